package main

import "github.com/spf13/cobra"

func newConnectCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "connect",
		Short: "(not available yet)",
		RunE:  func(*cobra.Command, []string) error { return notBuilt("vitals connect") },
	}
}
