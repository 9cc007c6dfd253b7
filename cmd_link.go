package main

import "github.com/spf13/cobra"

func newLinkCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "link",
		Short: "(not available yet)",
		RunE:  func(*cobra.Command, []string) error { return notBuilt("vitals link") },
	}
}
