package main

import (
	"context"
	"fmt"
	"io"
	"iter"
	"os"
	"os/signal"
	"path/filepath"
	"sync/atomic"

	"github.com/spf13/cobra"

	"github.com/secopsdesign/secops"
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

// replayIO is where replay reads stdin and shows progress; tests replace
// it.
type replayIO struct {
	stdin    io.Reader
	stderr   io.Writer
	terminal bool // stderr is a terminal: progress may be shown
}

func newReplay() *cobra.Command {
	var format, timeKey, groupBy, chartDir string
	var ignoreUnknown bool
	cmd := &cobra.Command{
		Use:   "replay DESIGN ALERTS... [--format text|json|markdown] [--group-by KEY] [--time-key KEY] [--ignore-unknown-keys] [--charts DIR]",
		Short: "Run an alert history through the design's detections",
		Long:  help("replay"),
		Args:  cobra.MinimumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			switch format {
			case "text", "json", "markdown":
			default:
				return usageError("--format must be text, json or markdown, not %q", format)
			}
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
			rio := replayIO{stdin: cmd.InOrStdin(), stderr: cmd.ErrOrStderr(), terminal: stderrIsTerminal()}
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt)
			defer stop()
			return replay(ctx, cmd.OutOrStdout(), rio, args[0], args[1:], format, chartDir, opts)
		},
	}
	cmd.Flags().StringVar(&format, "format", "text", "output format: text, json or markdown")
	cmd.Flags().StringVar(&timeKey, "time-key", "", "the alert key of each alert's time (default: the design's first field of type time)")
	cmd.Flags().StringVar(&groupBy, "group-by", "", "group the unmatched alerts by this alert key")
	cmd.Flags().BoolVar(&ignoreUnknown, "ignore-unknown-keys", false, "drop alert keys that are not fields of the design instead of counting the alert as invalid")
	cmd.Flags().StringVar(&chartDir, "charts", "", "write SVG charts to this folder and link them from the Markdown report")
	return cmd
}

func stderrIsTerminal() bool {
	fi, err := os.Stderr.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// loadPlan loads, validates and compiles a design for replay and review.
// A design with errors is refused, its findings written to stderr.
func loadPlan(stderr io.Writer, path string) (*executor.Plan, error) {
	b, err := bundle.Load(bundle.Files{Design: path})
	if err != nil {
		return nil, usageError("%v", err)
	}
	return compilePlan(stderr, path, b.Design, b.Findings)
}

// compilePlan is loadPlan for a design checked (d, its findings) from path.
func compilePlan(stderr io.Writer, path string, d *secops.Design, all finding.List) (*executor.Plan, error) {
	if d == nil || all.HasErrors() {
		var errs finding.List
		for _, f := range all {
			if f.Severity == finding.Error {
				errs = append(errs, f)
			}
		}
		_ = finding.WriteText(stderr, errs)
		return nil, &exitError{code: 1, err: fmt.Errorf("%s has errors: fix them first (secops validate %s)", path, path)}
	}
	p, err := executor.Compile(d)
	if err != nil {
		return nil, &exitError{code: 1, err: err}
	}
	return p, nil
}

func replay(ctx context.Context, w io.Writer, rio replayIO, designPath string, alertPaths []string, format, chartDir string, opts []review.ReplayOption) error {
	plan, err := loadPlan(rio.stderr, designPath)
	if err != nil {
		return err
	}
	var total int64
	stdin := false
	for _, p := range alertPaths {
		if p == "-" {
			stdin = true
			continue
		}
		fi, err := os.Stat(p)
		if err != nil {
			return usageError("%v", err)
		}
		if fi.IsDir() {
			return usageError("%s is a folder; give the alert files", p)
		}
		total += fi.Size()
	}
	var read atomic.Int64
	if rio.terminal && (stdin || total >= progressFrom) {
		done := console.ShowProgress(rio.stderr, "replay", &read, total)
		defer done()
	}
	rep, err := review.Replay(ctx, plan, countedAlerts(alertPaths, rio.stdin, &read), opts...)
	if err != nil {
		return usageError("%v", err)
	}
	return writeReport(w, rep, format, chartDir)
}

// reportWriter is a replay or review report in its three forms.
type reportWriter interface {
	WriteJSON(io.Writer) error
	WriteText(io.Writer) error
	WriteMarkdown(w io.Writer, chartDir string) error
	Charts() ([]review.Chart, error)
}

// writeReport writes rep in format to w, and with Markdown its charts
// into chartDir.
func writeReport(w io.Writer, rep reportWriter, format, chartDir string) error {
	var err error
	switch format {
	case "json":
		err = rep.WriteJSON(w)
	case "markdown":
		if chartDir != "" {
			charts, cerr := rep.Charts()
			if cerr == nil {
				cerr = review.WriteCharts(chartDir, charts)
			}
			if cerr != nil {
				return usageError("%v", cerr)
			}
		}
		err = rep.WriteMarkdown(w, filepath.ToSlash(chartDir))
	default:
		err = rep.WriteText(w)
	}
	if err != nil {
		return usageError("%v", err)
	}
	return nil
}

// countedAlerts reads the alert files in turn ("-" is stdin), adding the
// bytes read to n.
func countedAlerts(paths []string, stdin io.Reader, n *atomic.Int64) iter.Seq2[review.Alert, error] {
	return func(yield func(review.Alert, error) bool) {
		for _, p := range paths {
			var r io.Reader = stdin
			if p != "-" {
				f, err := os.Open(p)
				if err != nil {
					yield(review.Alert{File: p}, err)
					return
				}
				defer f.Close()
				r = f
			}
			for a, err := range review.ReadAlerts(p, console.CountReader(r, n)) {
				if !yield(a, err) || err != nil {
					return
				}
			}
		}
	}
}
