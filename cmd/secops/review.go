package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"go.temporal.io/sdk/client"

	"github.com/secopsdesign/secops/console"
	"github.com/secopsdesign/secops/executor/temporal"
	"github.com/secopsdesign/secops/review"
	"github.com/secopsdesign/secops/runstore"
)

func init() { commands = append(commands, newReview) }

func newReview() *cobra.Command {
	var format, chartDir, since, until, store, detectedKey string
	var maxFP float64
	var tf temporalFlags
	cmd := &cobra.Command{
		Use:   "review DESIGN [RECORDS...] [--store STORE | --temporal HOST:PORT] [--format text|json|markdown] [--since TIME] [--until TIME] [--charts DIR]",
		Short: "Measure real runs against the design's targets and estimates",
		Long:  help("review"),
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if chartDir != "" && format != "markdown" {
				return usageError("--charts needs --format markdown")
			}
			if btoi(len(args) > 1)+btoi(store != "")+btoi(tf.hostPort != "") != 1 {
				return usageError("give record files or folders, or --store, or --temporal, and not both")
			}
			q, err := runstore.ParseQuery(url.Values{"since": {since}, "until": {until}}, time.Now())
			if err != nil {
				return usageError("--%s", strings.ReplaceAll(err.Error(), "\n", "\n--"))
			}
			from, to := q.Since, q.Until
			opts := []review.ReviewOption{review.WithPeriod(from, to), review.WithMaxFalsePositive(maxFP)}
			if cmd.Flags().Changed("detected-key") {
				opts = append(opts, review.WithDetectedKey(detectedKey))
			}
			return reviewRuns(cmd.Context(), cmd.OutOrStdout(), cmd.ErrOrStderr(), args[0], args[1:], store, tf, format, chartDir, from, to, opts)
		},
	}
	formatFlag(cmd, &format, "text", review.Formats...)
	cmd.Flags().StringVar(&since, "since", "", "only runs started at or after this time (RFC 3339, or a duration back from now such as 30d)")
	cmd.Flags().StringVar(&until, "until", "", "only runs started before this time (RFC 3339, or a duration back from now)")
	cmd.Flags().StringVar(&store, "store", "", "review the runs of this run store (sqlite:PATH or dir:FOLDER) instead of record files")
	cmd.Flags().StringVar(&tf.hostPort, "temporal", "", "review the runs of Temporal at this frontend, HOST:PORT, instead of record files")
	cmd.Flags().StringVar(&tf.namespace, "namespace", client.DefaultNamespace, "the Temporal namespace (with --temporal)")
	cmd.Flags().StringVar(&detectedKey, "detected-key", "", "the alert key of the source's own detection time, for the time to notify (default: the design's first field of type time)")
	cmd.Flags().Float64Var(&maxFP, "max-false-positive", review.DefaultMaxFalsePositive, "the false-positive rate above which a detection is noisy")
	cmd.Flags().StringVar(&chartDir, "charts", "", "write SVG charts to this folder and link them from the Markdown report")
	return cmd
}

// temporalFlags are where review reads runs from Temporal.
type temporalFlags struct{ hostPort, namespace string }

func reviewRuns(ctx context.Context, w, stderr io.Writer, designPath string, paths []string, storeSpec string, tf temporalFlags, format, chartDir string, since, until time.Time, opts []review.ReviewOption) error {
	plan, err := loadPlan(stderr, designPath)
	if err != nil {
		return err
	}
	records := review.ReadRecordFiles(paths...)
	if storeSpec != "" {
		store, err := openStore(storeSpec, true)
		if err != nil {
			return err
		}
		defer store.Close()
		// The store selects by start time too; WithPeriod checks again.
		records = review.StoreRecords(ctx, store, runstore.Query{Since: since, Until: until, Limit: runstore.MaxLimit})
	}
	if tf.hostPort != "" {
		c, err := temporal.Dial(ctx, tf.hostPort, tf.namespace, console.Logger(stderr, slog.LevelWarn))
		if err != nil {
			return usageError("%v", err)
		}
		defer c.Close()
		// Visibility selects by start time and design; WithPeriod checks
		// again.
		records = temporal.NewClient(c, "").Records(ctx, temporal.Filter{Design: plan.Design().Metadata.Name, Since: since, Until: until})
	}
	rep, err := review.Review(plan, records, opts...)
	if err != nil {
		return usageError("%v", err)
	}
	if err := writeReport(w, rep, format, chartDir); err != nil {
		return err
	}
	if rep.Invalid > 0 {
		fmt.Fprintf(stderr, "secops: review: %d records could not be read; they are listed in the findings\n", rep.Invalid)
	}
	if rep.Runs == 0 {
		fmt.Fprintln(stderr, "secops: review: no runs of this design in the records given")
	}
	return nil
}
