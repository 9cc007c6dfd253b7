package main

import "github.com/spf13/cobra"

// addDashboard makes the root command open the dashboard.
func addDashboard(root *cobra.Command, a *app) {
	var demo bool
	root.Flags().BoolVar(&demo, "demo", false, "run the dashboard on demo data from local Omron and 1upHealth servers")
	root.RunE = func(*cobra.Command, []string) error { return notBuilt("the dashboard") }
}
