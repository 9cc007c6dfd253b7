package main

import "github.com/spf13/cobra"

func newUnlinkCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "unlink",
		Short: "(not available yet)",
		RunE:  func(*cobra.Command, []string) error { return notBuilt("vitals unlink") },
	}
}
