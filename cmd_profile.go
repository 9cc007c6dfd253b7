package main

import "github.com/spf13/cobra"

func newProfileCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "profile",
		Short: "(not available yet)",
		RunE:  func(*cobra.Command, []string) error { return notBuilt("vitals profile") },
	}
}
