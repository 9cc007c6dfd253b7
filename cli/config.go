package cli

import (
	"bufio"
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"vitals/config"
)

func newConfigCmd(a *invocation) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "config",
		Short: "Show, read and change the configuration",
		Long: `The configuration is a TOML file (` + "`vitals config path`" + ` says which); every key
can also be set in the environment as VITALS_<SECTION>_<KEY>, which wins over
the file. The global flags have their own variables: VITALS_DB, VITALS_PROFILE
and VITALS_CONFIG.

Keys are written section.key (omron.client_id, display.weight), top-level keys
bare (keyring). Secrets (client secrets, the notification secret) are shown
masked; ` + "`config set`" + ` of a secret reads the value from standard input when it is
not given, so it stays out of the shell's history.`,
		Example: `  vitals config path
  vitals config show
  vitals config get display.rulebook
  vitals config set display.weight lb
  vitals config set omron.client_secret < secret.txt`,
		Args: cobra.NoArgs,
	}
	cmd.AddCommand(
		&cobra.Command{
			Use:   "path",
			Short: "Print the configuration file's path",
			Args:  cobra.NoArgs,
			RunE: func(cmd *cobra.Command, _ []string) error {
				_, err := fmt.Fprintln(a.stdout, configPath(a))
				return err
			},
		},
		&cobra.Command{
			Use:   "show",
			Short: "Print the whole configuration in effect, secrets masked",
			Long: `Print every key with the value in effect (the defaults, the file, and the
environment, in that order of strength), as TOML. Secrets are masked.`,
			Args: cobra.NoArgs,
			RunE: func(cmd *cobra.Command, _ []string) error {
				_, err := fmt.Fprintf(a.stdout, "# %s\n%s", configPath(a), a.Config.Show())
				return err
			},
		},
	)
	var reveal bool
	get := &cobra.Command{
		Use:   "get KEY",
		Short: "Print one key's value in effect",
		Args:  argsOrUsage(1, "name the key, e.g. vitals config get display.weight"),
		RunE: func(cmd *cobra.Command, args []string) error {
			v, err := a.Config.Get(args[0], reveal)
			if errors.Is(err, config.ErrUnknownKey) {
				return usageError(cmd, err)
			}
			if err != nil {
				return err
			}
			_, err = fmt.Fprintln(a.stdout, v)
			return err
		},
	}
	get.Flags().BoolVar(&reveal, "reveal", false, "print a secret unmasked")
	set := &cobra.Command{
		Use:   "set KEY [VALUE]",
		Short: "Write one key into the configuration file",
		Long: `Write KEY = VALUE into the configuration file, keeping the rest of it as it
is, comments included. The value is checked first: a value the key does not
take leaves the file unchanged. Without VALUE it is read from standard input
(one line), which keeps a secret out of the shell's history. Lists are given
comma-separated.`,
		Example: `  vitals config set display.weight lb
  vitals config set sync.interval 45m
  vitals config set omron.scopes bloodpressure,weight,openid,offline_access
  vitals config set omron.client_secret       # then type or paste it`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) < 1 || len(args) > 2 {
				return errors.New("name the key and its value, e.g. vitals config set display.weight lb")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			key := args[0]
			var value string
			if len(args) == 2 {
				value = args[1]
			} else {
				if isTerminal(a.stdin) {
					fmt.Fprintf(a.stderr, "Value of %s: ", key)
				}
				line, err := bufio.NewReader(a.stdin).ReadString('\n')
				if err != nil && line == "" {
					return fmt.Errorf("config set %s: no value given on standard input", key)
				}
				value = strings.TrimRight(line, "\r\n")
			}
			path := configPath(a)
			err := config.Set(path, key, value)
			if errors.Is(err, config.ErrUnknownKey) {
				return usageError(cmd, err)
			}
			if err != nil {
				return err
			}
			shown := value
			if config.IsSecret(key) {
				shown = "(secret, not shown)"
			}
			fmt.Fprintf(a.stderr, "vitals: set %s = %s in %s\n", key, shown, path)
			return nil
		},
	}
	cmd.AddCommand(get, set)
	return cmd
}

// configPath is the configuration file the flags name.
func configPath(a *invocation) string {
	if a.ConfigPath != "" {
		return a.ConfigPath
	}
	return config.DefaultPath()
}
