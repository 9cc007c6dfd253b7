package main

import "github.com/spf13/cobra"

func newReportCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "report",
		Short: "(not available yet)",
		RunE:  func(*cobra.Command, []string) error { return notBuilt("vitals report") },
	}
}
