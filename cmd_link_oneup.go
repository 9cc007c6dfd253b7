package main

import "github.com/spf13/cobra"

// linkOneUp links the profile's 1upHealth account (vitals link oneup).
func linkOneUp(cmd *cobra.Command, a *app) error { return notBuilt("vitals link oneup") }
