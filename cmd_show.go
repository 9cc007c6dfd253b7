package main

import "github.com/spf13/cobra"

func newShowCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "show",
		Short: "(not available yet)",
		RunE:  func(*cobra.Command, []string) error { return notBuilt("vitals show") },
	}
}
