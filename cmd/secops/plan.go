package main

import (
	"errors"
	"os"
	"os/signal"

	"github.com/spf13/cobra"

	"github.com/secopsdesign/secops/change"
	"github.com/secopsdesign/secops/executor"
	"github.com/secopsdesign/secops/review"
)

func init() { commands = append(commands, newPlan) }

func newPlan() *cobra.Command {
	var format, timeKey string
	var ignoreUnknown bool
	cmd := &cobra.Command{
		Use:   "plan OLD NEW ALERTS... [--format text|json|markdown] [--time-key KEY] [--ignore-unknown-keys]",
		Short: "Show what a change of the design would change, over an alert history",
		Long:  help("plan"),
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) < 3 {
				return &exitError{code: 1, err: errors.New("plan needs OLD, NEW and at least one alert file (see secops plan --help)")}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			var opts []review.ReplayOption
			if cmd.Flags().Changed("time-key") {
				opts = append(opts, review.WithTimeKey(timeKey))
			}
			if ignoreUnknown {
				opts = append(opts, review.WithUnknownKeysIgnored())
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt)
			defer stop()
			stderr := cmd.ErrOrStderr()
			var plans [2]*executor.Plan
			for i, arg := range args[:2] {
				b, err := change.LoadDesign(arg)
				if err != nil {
					return &exitError{code: 1, err: err}
				}
				if plans[i], err = compilePlan(stderr, b); err != nil {
					return err
				}
			}
			for _, p := range args[2:] {
				if fi, err := os.Stat(p); p != "-" && (err != nil || fi.IsDir()) {
					return &exitError{code: 1, err: errors.New(p + ": not an alert file")}
				}
			}
			rep, err := change.Plan(ctx, plans[0], plans[1], review.ReadAlertFiles(args[2:], cmd.InOrStdin()), opts...)
			if err != nil {
				return &exitError{code: 1, err: err}
			}
			w := cmd.OutOrStdout()
			switch format {
			case "json":
				err = rep.WriteJSON(w)
			case "markdown":
				err = rep.WriteMarkdown(w)
			default:
				err = rep.WriteText(w)
			}
			if err != nil {
				return &exitError{code: 1, err: err}
			}
			if !rep.Empty() {
				return &exitError{code: 2}
			}
			return nil
		},
	}
	cmd.SetFlagErrorFunc(func(cmd *cobra.Command, err error) error { return &exitError{code: 1, err: flagHint(cmd, err)} })
	formatFlag(cmd, &format, "text", review.Formats...)
	cmd.Flags().StringVar(&timeKey, "time-key", "", "the alert key of each alert's time (default: the design's first field of type time)")
	cmd.Flags().BoolVar(&ignoreUnknown, "ignore-unknown-keys", false, "drop alert keys that are not fields of a design instead of counting the alert as invalid")
	return cmd
}
