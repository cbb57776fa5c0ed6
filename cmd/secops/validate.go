package main

import (
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/secopsdesign/secops/bundle"
	"github.com/secopsdesign/secops/console"
	"github.com/secopsdesign/secops/finding"
)

func init() { commands = append(commands, newValidate) }

// validateOptions are the flags of secops validate.
type validateOptions struct {
	format  string // text or json
	strict  bool   // warnings fail too
	verbose bool   // a summary line per file on stderr
	// adapters is an adapter configuration to check against each design.
	adapters string
}

func newValidate() *cobra.Command {
	var opt validateOptions
	cmd := &cobra.Command{
		Use:   "validate [--format text|json] [--strict] [-v] [--adapters FILE] FILE...",
		Short: "Check designs and report every finding",
		Long:  help("validate"),
		Args:  cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if console.Terminal(cmd.ErrOrStderr()) {
				opt.verbose = true // someone is watching: say that all went well
			}
			return validateFiles(cmd.OutOrStdout(), cmd.ErrOrStderr(), cmd.InOrStdin(), args, opt)
		},
	}
	cmd.SetFlagErrorFunc(func(cmd *cobra.Command, err error) error {
		err = flagHint(cmd, err)
		if opt.format != "json" {
			return err
		}
		// Asked for JSON: a mistake in the command is JSON too.
		if werr := finding.WriteJSON(cmd.OutOrStdout(), finding.List{fatal("", err)}); werr != nil {
			return usageError("%v", werr)
		}
		return &exitError{code: 2}
	})
	formatFlag(cmd, &opt.format, "text", "text", "json")
	cmd.Flags().BoolVar(&opt.strict, "strict", false, "treat warnings as errors")
	cmd.Flags().StringVar(&opt.adapters, "adapters", "", "also check this adapter configuration (secops-adapters/v1) against each design")
	cmd.Flags().BoolVarP(&opt.verbose, "verbose", "v", false, "print a summary line per file on stderr")
	return cmd
}

// fatal is a finding that says the command could not do its work: a file
// that cannot be read, a mistake in the command. It is how JSON output
// reports what text output prints as an error.
func fatal(file string, err error) finding.Finding {
	return finding.Finding{Severity: finding.Error, Code: "fatal", Message: err.Error(), Position: finding.Position{File: file}}
}

func validateFiles(stdout, stderr io.Writer, stdin io.Reader, paths []string, opt validateOptions) error {
	var all, fatals finding.List
	if len(paths) == 0 {
		fatals = append(fatals, fatal("", fmt.Errorf("validate needs at least one FILE (- for standard input)")))
	}
	sums := bundle.LoadEach(paths, opt.adapters, stdin)
	for _, s := range sums {
		if s.Err != nil {
			fatals = append(fatals, fatal(s.File, s.Err))
		}
		all = append(all, s.Findings...)
	}
	var werr error
	if opt.format == "json" {
		werr = finding.WriteJSON(stdout, append(fatals, all...))
	} else {
		werr = finding.WriteText(stdout, all)
	}
	if werr != nil {
		return usageError("%v", werr)
	}
	if opt.format == "text" {
		if opt.verbose {
			for _, s := range sums {
				if s.Err != nil {
					fmt.Fprintf(stderr, "%s: could not be read\n", s.File)
					continue
				}
				fmt.Fprintf(stderr, "%s: %s\n", s.File, s.Findings.Summary())
			}
		}
		if len(all) > 0 {
			files := ""
			if len(sums) > 1 {
				files = fmt.Sprintf(" in %d files", len(sums))
			}
			fmt.Fprintf(stderr, "%s%s\n", all.Summary(), files)
		}
	}
	if len(fatals) > 0 {
		if opt.format == "json" {
			return &exitError{code: 2} // said in the JSON
		}
		errs := make([]error, len(fatals))
		for i, f := range fatals {
			errs[i] = fmt.Errorf("%s", f.Message)
		}
		return usageError("%w", errors.Join(errs...))
	}
	if all.HasErrors() || opt.strict && len(all) > 0 {
		return &exitError{code: 1}
	}
	return nil
}
