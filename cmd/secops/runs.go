package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/secopsdesign/secops/console"
	"github.com/secopsdesign/secops/executor"
	"github.com/secopsdesign/secops/runstore"
)

func init() { commands = append(commands, newRuns) }

func newRuns() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "runs",
		Short: "List and show the runs kept in a run store",
		Long:  help("runs"),
	}
	cmd.AddCommand(newRunsList(), newRunsShow())
	return cmd
}

type listOpts struct {
	store, status, incident, severity, since, until, cursor, format string
	limit                                                           int
	all                                                             bool
}

func newRunsList() *cobra.Command {
	var o listOpts
	cmd := &cobra.Command{
		Use:   "list --store STORE [--status S[,S...]] [--incident ID] [--severity ID] [--since T] [--until T] [--limit N] [--all] [--format text|json]",
		Short: "List runs, the latest started first",
		Long:  help("runs-list"),
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return listRuns(cmd.Context(), cmd.OutOrStdout(), o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.store, "store", "", "the run store: sqlite:PATH or dir:FOLDER")
	f.StringVar(&o.status, "status", "", "only runs with this status (comma-separated for several)")
	f.StringVar(&o.incident, "incident", "", "only runs of this incident")
	f.StringVar(&o.severity, "severity", "", "only runs of this severity")
	f.StringVar(&o.since, "since", "", "only runs started at or after this time, or this long ago (24h, 7d)")
	f.StringVar(&o.until, "until", "", "only runs started before this time, or this long ago")
	f.IntVar(&o.limit, "limit", 0, "runs per page (default 50, at most 1000)")
	f.StringVar(&o.cursor, "cursor", "", "continue a listing from the cursor an earlier page printed")
	f.BoolVar(&o.all, "all", false, "list every page")
	formatFlag(cmd, &o.format, "text", "text", "json")
	return cmd
}

func listRuns(ctx context.Context, w io.Writer, o listOpts) error {
	if o.store == "" {
		return usageError("runs list needs --store sqlite:PATH or dir:FOLDER")
	}
	v := url.Values{"incident": {o.incident}, "severity": {o.severity}, "since": {o.since}, "until": {o.until}, "cursor": {o.cursor}}
	if o.status != "" {
		v["status"] = []string{o.status}
	}
	if o.limit != 0 {
		v.Set("limit", strconv.Itoa(o.limit))
	}
	q, err := runstore.ParseQuery(v, time.Now())
	if err != nil {
		return usageError("--%s", strings.ReplaceAll(err.Error(), "\n", "\n--"))
	}
	s, err := openStore(o.store, true)
	if err != nil {
		return err
	}
	defer s.Close()
	var all runstore.Page
	for p, err := range runstore.Pages(ctx, s, q) {
		if err != nil {
			return usageError("%s: %v", o.store, err)
		}
		all.Runs, all.Next = append(all.Runs, p.Runs...), p.Next
		if !o.all {
			break
		}
	}
	if o.format == "json" {
		return writeJSON(w, all)
	}
	if err := console.WriteSummaries(w, all.Runs); err != nil {
		return err
	}
	if all.Next != "" {
		fmt.Fprintf(w, "more: --cursor %s\n", all.Next)
	}
	return nil
}

func newRunsShow() *cobra.Command {
	var store, format string
	cmd := &cobra.Command{
		Use:   "show ID --store STORE [--format text|json]",
		Short: "Show the record of one run",
		Long:  help("runs-show"),
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if store == "" {
				return usageError("runs show needs --store sqlite:PATH or dir:FOLDER")
			}
			s, err := openStore(store, true)
			if err != nil {
				return err
			}
			defer s.Close()
			rec, err := s.Load(cmd.Context(), args[0])
			if err != nil {
				return usageError("%s: %v", store, err)
			}
			return showRecord(cmd.OutOrStdout(), rec, format)
		},
	}
	cmd.Flags().StringVar(&store, "store", "", "the run store: sqlite:PATH or dir:FOLDER")
	formatFlag(cmd, &format, "text", "text", "json")
	return cmd
}

func showRecord(w io.Writer, rec *executor.Record, format string) error {
	if format == "json" {
		return writeJSON(w, rec)
	}
	return console.WriteRecord(w, rec)
}

// writeJSON writes v as indented JSON.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
