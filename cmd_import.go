package main

import "github.com/spf13/cobra"

func newImportCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "import",
		Short: "(not available yet)",
		RunE:  func(*cobra.Command, []string) error { return notBuilt("vitals import") },
	}
}
