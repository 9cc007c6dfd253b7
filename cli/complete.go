package cli

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"vitals/config"
	"vitals/health"
	"vitals/providers/oneup"
	"vitals/report"
	"vitals/store"
	"vitals/tui"
)

// completionTimeout bounds what a completion may wait for (the database,
// or 1upHealth's list of systems): a shell's Tab must never hang.
const completionTimeout = 3 * time.Second

// registerCompletions gives every flag and argument that takes one of a
// finite set of values its completion: profiles and accounts from the
// database, tabs, ranges, types, formats, providers, system ids, keys. It
// walks the finished tree, so each command's file keeps only its flags.
func registerCompletions(root *cobra.Command, a *invocation) {
	fixed := func(values ...string) cobra.CompletionFunc {
		return cobra.FixedCompletions(values, cobra.ShellCompDirectiveNoFileComp)
	}
	var ranges []string
	for r := tui.Range7d; r <= tui.RangeAll; r++ {
		ranges = append(ranges, r.Flag())
	}
	var csvKinds []string
	for _, k := range report.CSVKinds() {
		csvKinds = append(csvKinds, string(k))
	}
	flags := map[string]cobra.CompletionFunc{
		"profile": a.completeProfiles,
		"tab":     fixed(tui.TabNames()...),
		"range":   fixed(ranges...),
		"kind":    fixed(oneup.KindClinical, oneup.KindDevice),
		"system":  a.completeSystems,
	}
	byCommand := map[string]map[string]cobra.CompletionFunc{
		"vitals export": {"format": fixed("csv", "fhir"), "type": fixed(csvKinds...)},
		"vitals report": {"format": fixed("md", "html", "pdf")},
	}
	args := map[string]cobra.CompletionFunc{
		"vitals link":           fixed(string(store.ProviderOmron), string(store.ProviderOneUp)),
		"vitals unlink":         a.completeUnlink,
		"vitals profile rename": a.completeProfiles,
		"vitals profile remove": a.completeProfiles,
		"vitals config get":     fixed(config.Keys()...),
		"vitals config set":     a.completeConfigSet,
	}
	var walk func(*cobra.Command)
	walk = func(cmd *cobra.Command) {
		path := cmd.CommandPath()
		for name, f := range flags {
			if cmd.Flags().Lookup(name) != nil || cmd.PersistentFlags().Lookup(name) != nil {
				_ = cmd.RegisterFlagCompletionFunc(name, f)
			}
		}
		for name, f := range byCommand[path] {
			if cmd.Flags().Lookup(name) != nil {
				_ = cmd.RegisterFlagCompletionFunc(name, f)
			}
		}
		if f, ok := args[path]; ok {
			cmd.ValidArgsFunction = f
		}
		for _, sub := range cmd.Commands() {
			walk(sub)
		}
	}
	walk(root)
}

// completionDB opens the database the flags (or VITALS_DB) name, to read,
// for a completion; nil when there is none yet. A completion never
// creates a database.
func (a *invocation) completionDB(cmd *cobra.Command) (*store.DB, context.Context, context.CancelFunc) {
	globalsFromEnv(cmd.Root(), a)
	ctx, cancel := context.WithTimeout(context.Background(), completionTimeout)
	db, err := store.Open(ctx, a.DatabasePath(), store.Options{ReadOnly: true})
	if err != nil {
		cancel()
		return nil, nil, nil
	}
	return db, ctx, cancel
}

func (a *invocation) completeProfiles(cmd *cobra.Command, args []string, prefix string) ([]string, cobra.ShellCompDirective) {
	db, ctx, cancel := a.completionDB(cmd)
	if db == nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	defer cancel()
	defer db.Close()
	list, err := db.ProfileSummaries(ctx)
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	var out []string
	for _, p := range list {
		if strings.HasPrefix(p.Name, prefix) {
			out = append(out, p.Name+"\t"+p.Title())
		}
	}
	return out, cobra.ShellCompDirectiveNoFileComp
}

// completeUnlink completes the provider, then the profile's accounts of
// that provider.
func (a *invocation) completeUnlink(cmd *cobra.Command, args []string, _ string) ([]string, cobra.ShellCompDirective) {
	if len(args) == 0 {
		return []string{string(store.ProviderOmron), string(store.ProviderOneUp)}, cobra.ShellCompDirectiveNoFileComp
	}
	if len(args) > 1 {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	db, ctx, cancel := a.completionDB(cmd)
	if db == nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	defer cancel()
	defer db.Close()
	prof, err := db.Profile(ctx, a.Profile)
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	accts, err := db.Accounts(ctx, prof.ID)
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	var out []string
	for _, acct := range accts {
		if string(acct.Provider) == args[0] {
			out = append(out, strconv.FormatInt(acct.ID, 10)+"\t"+acct.Title())
		}
	}
	return out, cobra.ShellCompDirectiveNoFileComp
}

// completeSystems lists the systems 1upHealth offers, when the
// configuration can reach it within the completion's time.
func (a *invocation) completeSystems(cmd *cobra.Command, _ []string, prefix string) ([]string, cobra.ShellCompDirective) {
	globalsFromEnv(cmd.Root(), a)
	cfg, err := config.Load(a.ConfigPath)
	if err != nil || cfg.OneUpReady() != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	a.Config = cfg
	ctx, cancel := context.WithTimeout(context.Background(), completionTimeout)
	defer cancel()
	kind, _ := cmd.Flags().GetString("kind")
	systems, err := a.LinkFlow(nil, nil).Systems(ctx, kind)
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	var out []string
	for _, s := range systems {
		if strings.HasPrefix(s.ID, prefix) {
			out = append(out, s.ID+"\t"+s.Name+" ("+s.Kind+")")
		}
	}
	return out, cobra.ShellCompDirectiveNoFileComp
}

// completeConfigSet completes the key, then the values of keys that take
// one of a few.
func (a *invocation) completeConfigSet(_ *cobra.Command, args []string, _ string) ([]string, cobra.ShellCompDirective) {
	if len(args) == 0 {
		return config.Keys(), cobra.ShellCompDirectiveNoFileComp
	}
	if len(args) > 1 {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	values := map[string][]string{
		"keyring":             {"true", "false"},
		"omron.environment":   {config.OmronStaging, config.OmronProduction},
		"sync.notifications":  {"true", "false"},
		"display.weight":      {"kg", "lb"},
		"display.temperature": {"C", "F"},
		"display.distance":    {"km", "mi"},
		"display.rulebook":    {string(health.AHA2025), string(health.ESH2023)},
	}
	return values[args[0]], cobra.ShellCompDirectiveNoFileComp
}
