package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"sync/atomic"

	"github.com/spf13/cobra"

	"github.com/secopsdesign/secops/bundle"
	"github.com/secopsdesign/secops/console"
	"github.com/secopsdesign/secops/executor"
	"github.com/secopsdesign/secops/finding"
	"github.com/secopsdesign/secops/review"
)

func init() { commands = append(commands, newReplay) }

// progressFrom is the input size from which replay shows a progress bar
// (when stderr is a terminal).
const progressFrom = 16 << 20

func newReplay() *cobra.Command {
	var format, timeKey, groupBy, chartDir string
	var ignoreUnknown bool
	cmd := &cobra.Command{
		Use:   "replay DESIGN ALERTS... [--format text|json|markdown] [--group-by KEY] [--time-key KEY] [--ignore-unknown-keys] [--charts DIR]",
		Short: "Run an alert history through the design's detections",
		Long:  help("replay"),
		Args:  cobra.MinimumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			if chartDir != "" && format != "markdown" {
				return usageError("--charts needs --format markdown")
			}
			var opts []review.ReplayOption
			if cmd.Flags().Changed("time-key") {
				opts = append(opts, review.WithTimeKey(timeKey))
			}
			if groupBy != "" {
				opts = append(opts, review.WithGroupBy(groupBy))
			}
			if ignoreUnknown {
				opts = append(opts, review.WithUnknownKeysIgnored())
			}
			rio := runIO{stdin: cmd.InOrStdin(), stderr: cmd.ErrOrStderr(), terminal: console.Terminal(os.Stderr)}
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt)
			defer stop()
			return replay(ctx, cmd.OutOrStdout(), rio, args[0], args[1:], format, chartDir, opts)
		},
	}
	formatFlag(cmd, &format, "text", review.Formats...)
	cmd.Flags().StringVar(&timeKey, "time-key", "", "the alert key of each alert's time (default: the design's first field of type time)")
	cmd.Flags().StringVar(&groupBy, "group-by", "", "group the unmatched alerts by this alert key")
	cmd.Flags().BoolVar(&ignoreUnknown, "ignore-unknown-keys", false, "drop alert keys that are not fields of the design instead of counting the alert as invalid")
	cmd.Flags().StringVar(&chartDir, "charts", "", "write SVG charts to this folder and link them from the Markdown report")
	return cmd
}

// loadPlan loads, validates and compiles a design for replay and review.
// A design with errors is refused, its errors written to stderr.
func loadPlan(stderr io.Writer, path string) (*executor.Plan, error) {
	b, err := bundle.Load(bundle.Files{Design: path})
	if err != nil {
		return nil, usageError("%v", err)
	}
	return compilePlan(stderr, b)
}

// compilePlan is loadPlan for a design loaded and checked as b.
func compilePlan(stderr io.Writer, b *bundle.Bundle) (*executor.Plan, error) {
	p, err := b.Plan(bundle.ToRun)
	if errors.Is(err, bundle.ErrFindings) {
		_ = finding.WriteText(stderr, b.Errors())
		name := b.Files.Design
		return nil, &exitError{code: 1, err: fmt.Errorf("%s has errors: fix them first (secops validate %s)", name, name)}
	}
	if err != nil {
		return nil, &exitError{code: 1, err: err}
	}
	return p, nil
}

func replay(ctx context.Context, w io.Writer, rio runIO, designPath string, alertPaths []string, format, chartDir string, opts []review.ReplayOption) error {
	plan, err := loadPlan(rio.stderr, designPath)
	if err != nil {
		return err
	}
	var total int64
	for _, p := range alertPaths {
		if fi, err := os.Stat(p); p != "-" && err != nil {
			return usageError("%v", err)
		} else if p != "-" && fi.IsDir() {
			return usageError("%s is a folder; give the alert files", p)
		} else if p != "-" {
			total += fi.Size()
		}
	}
	var read atomic.Int64
	if rio.terminal && (slices.Contains(alertPaths, "-") || total >= progressFrom) {
		done := console.ShowProgress(rio.stderr, "replay", &read, total)
		defer done()
	}
	rep, err := review.Replay(ctx, plan, review.ReadAlertFiles(alertPaths, rio.stdin, review.WithCount(&read)), opts...)
	if err != nil {
		return usageError("%v", err)
	}
	return writeReport(w, rep, format, chartDir)
}

// writeReport writes rep (see review.Write).
func writeReport(w io.Writer, rep review.Writable, format, chartDir string) error {
	if err := review.Write(w, rep, format, chartDir); err != nil {
		return usageError("%v", err)
	}
	return nil
}
