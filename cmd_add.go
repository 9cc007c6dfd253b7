package main

import "github.com/spf13/cobra"

func newAddCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "add",
		Short: "(not available yet)",
		RunE:  func(*cobra.Command, []string) error { return notBuilt("vitals add") },
	}
}
