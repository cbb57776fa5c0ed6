package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/secopsdesign/secops"
	"github.com/secopsdesign/secops/adapters"
	"github.com/secopsdesign/secops/adapters/config"
	"github.com/secopsdesign/secops/executor"
	"github.com/secopsdesign/secops/finding"
	"github.com/secopsdesign/secops/ident"
	"github.com/secopsdesign/secops/process"
)

func init() { commands = append(commands, newRun, newResume, newRollback) }

// runIO is where the run commands read answers and write progress; tests
// replace it.
type runIO struct {
	stdin    io.Reader
	stderr   io.Writer
	terminal bool // stdin is a terminal: manual tasks prompt
}

func defaultIO() runIO {
	io := runIO{stdin: os.Stdin, stderr: os.Stderr}
	if fi, err := os.Stdin.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
		io.terminal = true
	}
	return io
}

func newRun() *cobra.Command {
	var adaptersPath, alertPath, recordPath string
	var approve, dryRun bool
	cmd := &cobra.Command{
		Use:   "run DESIGN --adapters FILE --alert ALERT.json [--record OUT.json] [--approve] [--dry-run]",
		Short: "Run an alert through a design against real integrations",
		Long: `Run sends the alert (a JSON object of field id to value) through the
design: detection, confirmation, triage, the playbook's steps and its
response, calling the adapters of the adapter configuration file. Progress
goes to stderr; the run record is written to --record (by default
run-<id>.json).

Without --approve, a response that needs an approval stops the run in
status waiting; a manual task prompts for its outputs when stdin is a
terminal and otherwise stops the run in waiting. Continue with
"secops resume". With --dry-run no adapter is called.

Exit status: 0 the run completed, found no incident, was not triaged or
is waiting; 1 it failed or the design has errors; 2 the command could not
run.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if adaptersPath == "" || alertPath == "" {
				return usageError("run needs --adapters FILE and --alert ALERT.json")
			}
			return runDesign(cmd.Context(), defaultIO(), args[0], adaptersPath, alertPath, recordPath, approve, dryRun)
		},
	}
	cmd.Flags().StringVar(&adaptersPath, "adapters", "", "adapter configuration file (secops-adapters/v1)")
	cmd.Flags().StringVar(&alertPath, "alert", "", "the alert, a JSON object of field id to value")
	cmd.Flags().StringVar(&recordPath, "record", "", "where to write the run record (default run-<id>.json)")
	cmd.Flags().BoolVar(&approve, "approve", false, "approve the response without asking")
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "call no adapter; show what would be called")
	return cmd
}

func newResume() *cobra.Command {
	var adaptersPath, outputsPath string
	var approve bool
	cmd := &cobra.Command{
		Use:   "resume RECORD.json --adapters FILE [--approve] [--outputs ANSWERS.json]",
		Short: "Continue a waiting run and update its record",
		Long: `Resume continues a run that stopped in status waiting, with the design
the record names. --approve grants the approval it waits for; --outputs
gives the outputs of manual tasks, as a JSON object of method id to
outputs: {"1.4.1": {"iocs": ["203.0.113.7"]}}. The record is updated in
place.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if adaptersPath == "" {
				return usageError("resume needs --adapters FILE")
			}
			return resumeRecord(cmd.Context(), defaultIO(), args[0], adaptersPath, outputsPath, approve)
		},
	}
	cmd.Flags().StringVar(&adaptersPath, "adapters", "", "adapter configuration file (secops-adapters/v1)")
	cmd.Flags().StringVar(&outputsPath, "outputs", "", "outputs of manual tasks: a JSON object of method id to outputs")
	cmd.Flags().BoolVar(&approve, "approve", false, "grant the approval the run waits for")
	return cmd
}

func newRollback() *cobra.Command {
	var adaptersPath string
	cmd := &cobra.Command{
		Use:   "rollback RECORD.json --adapters FILE",
		Short: "Undo the response a run applied and update its record",
		Long: `Rollback runs the rollback actions of the response methods the run
applied, the latest first, lists the rollback procedures left to a person,
and updates the record in place. Exit status 1 if a rollback action
failed.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if adaptersPath == "" {
				return usageError("rollback needs --adapters FILE")
			}
			return rollbackRecord(cmd.Context(), defaultIO(), args[0], adaptersPath)
		},
	}
	cmd.Flags().StringVar(&adaptersPath, "adapters", "", "adapter configuration file (secops-adapters/v1)")
	return cmd
}

// setup loads and checks the design and the adapter configuration and
// builds the registry. Findings go to w; error findings end the command.
func setup(w io.Writer, designPath, adaptersPath string) (*secops.Design, *adapters.Registry, error) {
	abs, err := filepath.Abs(designPath)
	if err != nil {
		return nil, nil, usageError("%v", err)
	}
	if _, err := os.Stat(abs); err != nil {
		return nil, nil, usageError("%v", err)
	}
	d, err := secops.LoadFile(abs)
	if err != nil && finding.From(err) == nil {
		return nil, nil, usageError("%v", err)
	}
	var all finding.List
	if d == nil {
		all = finding.From(err)
	} else {
		all = finding.From(d.Validate())
	}
	cfg, err := config.LoadFile(adaptersPath)
	if err != nil && finding.From(err) == nil {
		return nil, nil, usageError("%v", err)
	}
	all = append(all, finding.From(err)...)
	if cfg != nil && d != nil {
		all = append(all, cfg.Check(d)...)
	}
	if len(all) > 0 {
		_ = finding.WriteText(w, all)
	}
	if all.HasErrors() {
		return nil, nil, &exitError{code: 1}
	}
	reg, err := cfg.Registry()
	if err != nil {
		return nil, nil, usageError("%v", err)
	}
	return d, reg, nil
}

func runDesign(ctx context.Context, rio runIO, designPath, adaptersPath, alertPath, recordPath string, approve, dryRun bool) error {
	ctx, stop := signalContext(ctx)
	defer stop()
	d, reg, err := setup(rio.stderr, designPath, adaptersPath)
	if err != nil {
		return err
	}
	var alert map[string]any
	if err := readJSON(alertPath, &alert); err != nil {
		return usageError("alert: %v", err)
	}
	if alert == nil {
		return usageError("alert: %s: want a JSON object of field id to value", alertPath)
	}
	if dryRun {
		reg = reg.Wrap(adapters.DryRun(nil))
	}
	opts := []executor.Option{executor.WithDesign(d), executor.WithRegistry(reg)}
	opts = append(opts, engineIO(rio, d, approve)...)
	e, err := executor.New(opts...)
	if err != nil {
		return usageError("%v", err)
	}
	rec, err := e.Run(ctx, alert)
	if err != nil {
		return usageError("%v", err)
	}
	if recordPath == "" {
		recordPath = "run-" + rec.ID + ".json"
	}
	return finishRecord(rio.stderr, rec, recordPath, adaptersPath)
}

func resumeRecord(ctx context.Context, rio runIO, recordPath, adaptersPath, outputsPath string, approve bool) error {
	ctx, stop := signalContext(ctx)
	defer stop()
	var rec executor.Record
	if err := readJSON(recordPath, &rec); err != nil {
		return usageError("record: %v", err)
	}
	if rec.Status != executor.Waiting {
		return usageError("%s: run %s is %s, not waiting", recordPath, rec.ID, rec.Status)
	}
	if rec.Design == "" {
		return usageError("%s: the record names no design file", recordPath)
	}
	d, reg, err := setup(rio.stderr, rec.Design, adaptersPath)
	if err != nil {
		return err
	}
	ans := executor.Answer{Approve: approve, Actor: actor()}
	if outputsPath != "" {
		var outs map[ident.Number]map[string]any
		if err := readJSON(outputsPath, &outs); err != nil {
			return usageError("outputs: %v", err)
		}
		ans.Outputs = outs
	}
	opts := []executor.Option{executor.WithDesign(d), executor.WithRegistry(reg)}
	opts = append(opts, engineIO(rio, d, false)...)
	e, err := executor.New(opts...)
	if err != nil {
		return usageError("%v", err)
	}
	if _, err := e.Resume(ctx, &rec, ans); err != nil {
		return usageError("%v", err)
	}
	return finishRecord(rio.stderr, &rec, recordPath, adaptersPath)
}

func rollbackRecord(ctx context.Context, rio runIO, recordPath, adaptersPath string) error {
	ctx, stop := signalContext(ctx)
	defer stop()
	var rec executor.Record
	if err := readJSON(recordPath, &rec); err != nil {
		return usageError("record: %v", err)
	}
	if rec.Design == "" {
		return usageError("%s: the record names no design file", recordPath)
	}
	d, reg, err := setup(rio.stderr, rec.Design, adaptersPath)
	if err != nil {
		return err
	}
	e, err := executor.New(executor.WithDesign(d), executor.WithRegistry(reg), executor.WithIsolation(),
		executor.WithRetry(1, 0), executor.WithEvents(progress(rio.stderr)))
	if err != nil {
		return usageError("%v", err)
	}
	_, rbErr := e.Rollback(ctx, &rec)
	if err := writeJSON(recordPath, &rec); err != nil {
		return usageError("%v", err)
	}
	if len(rec.Applied) == 0 {
		fmt.Fprintln(rio.stderr, "nothing to roll back: the run applied no response method")
	}
	for _, m := range rec.ManualRollback {
		fmt.Fprintf(rio.stderr, "to do by hand: method %s: %s\n", m.Method, m.Procedure)
	}
	fmt.Fprintf(rio.stderr, "record: %s\n", recordPath)
	if rbErr != nil {
		fmt.Fprintln(rio.stderr, "rollback failed:", rbErr)
		return &exitError{code: 1}
	}
	return nil
}

// engineIO gives the engine its progress output, its person (a prompt in
// a terminal) and, with approve, an approver.
func engineIO(rio runIO, d *secops.Design, approve bool) []executor.Option {
	// Retries are the adapter configuration's (its retries key, through
	// adapters.Retry); the engine does not retry on top of them.
	opts := []executor.Option{executor.WithEvents(progress(rio.stderr)), executor.WithIsolation(), executor.WithRetry(1, 0)}
	if approve {
		opts = append(opts, executor.WithApprover(executor.AutoApprove(actor())))
	}
	if rio.terminal {
		opts = append(opts, executor.WithPerson(prompter(rio, d)))
	}
	return opts
}

// finishRecord writes the record and says how the run ended and, when it
// waits, how to continue.
func finishRecord(w io.Writer, rec *executor.Record, recordPath, adaptersPath string) error {
	if err := writeJSON(recordPath, rec); err != nil {
		return usageError("%v", err)
	}
	fmt.Fprintf(w, "run %s: %s", rec.ID, rec.Status)
	if rec.Response != "" {
		fmt.Fprintf(w, ", response %s", rec.Response)
	}
	fmt.Fprintf(w, ", elapsed %v, estimate %v\nrecord: %s\n", rec.Elapsed, rec.Estimate, recordPath)
	switch rec.Status {
	case executor.Failed:
		fmt.Fprintln(w, "error:", rec.Error)
		if len(rec.Applied) > 0 {
			fmt.Fprintf(w, "applied before the failure: %v; undo with: secops rollback %s --adapters %s\n", rec.Applied, recordPath, adaptersPath)
		}
		return &exitError{code: 1}
	case executor.Waiting:
		p := rec.Pending
		if p.Party != "" {
			fmt.Fprintf(w, "waiting for the approval of %s for response %s\ncontinue with: secops resume %s --adapters %s --approve\n",
				p.Party, p.Response, recordPath, adaptersPath)
			break
		}
		example := map[string]map[string]string{string(p.Method): {}}
		for _, o := range p.Outputs {
			example[string(p.Method)][string(o)] = "…"
		}
		b, _ := json.Marshal(example)
		fmt.Fprintf(w, "waiting for method %s, a task for a person: %s\ncontinue with: secops resume %s --adapters %s --outputs ANSWERS.json\n  where ANSWERS.json holds the outputs, e.g. %s\n",
			p.Method, p.Procedure, recordPath, adaptersPath, b)
	}
	return nil
}

// progress prints each event as a line.
func progress(w io.Writer) func(executor.Event) {
	return func(e executor.Event) {
		var b strings.Builder
		switch e.Kind {
		case executor.EvStep:
			fmt.Fprintf(&b, "step %s: %s", e.Step, e.Detail)
		case executor.EvMethod:
			how := string(e.Action)
			if how == "" {
				how = "by " + e.Actor
			}
			fmt.Fprintf(&b, "  method %s %s: ok", e.Method, how)
			if len(e.Outputs) > 0 {
				out, _ := json.Marshal(e.Outputs)
				fmt.Fprintf(&b, " %s", out)
			}
		case executor.EvSkipped:
			fmt.Fprintf(&b, "  method %s skipped: %s is false", e.Method, e.Detail)
		case executor.EvMethodFailed:
			fmt.Fprintf(&b, "  method %s FAILED: %s", e.Method, e.Error)
		case executor.EvBranch:
			fmt.Fprintf(&b, "  %s", e.Detail)
		case executor.EvStarted, executor.EvCompleted:
			return
		default:
			fmt.Fprintf(&b, "%s", e.Kind)
			for _, s := range []string{string(e.Response), string(e.Method), string(e.Action), e.Actor, e.Detail, e.Error} {
				if s != "" {
					fmt.Fprintf(&b, " %s", s)
				}
			}
		}
		fmt.Fprintln(w, b.String())
	}
}

// prompter asks, in a terminal, for the outputs of a manual task. An
// empty answer leaves an output unknown; "wait" stops the run in waiting.
func prompter(rio runIO, d *secops.Design) executor.Person {
	in := bufio.NewReader(rio.stdin)
	return executor.PersonFunc(func(ctx context.Context, t executor.Task) (executor.Done, error) {
		w := rio.stderr
		fmt.Fprintf(w, "task for a person: method %s %s\n  %s\n", t.Method.ID, t.Method.Name, t.Method.Procedure)
		if len(t.Inputs) > 0 {
			b, _ := json.Marshal(t.Inputs)
			fmt.Fprintf(w, "  inputs: %s\n", b)
		}
		fmt.Fprintln(w, `  type each output (JSON for lists; empty to leave it unknown), or "wait" to stop here and resume later`)
		out := map[string]any{}
		for _, o := range t.Method.Outputs {
			f := d.Field(o)
			for {
				desc := "string"
				if f != nil {
					desc = string(f.Type)
					if f.List {
						desc += " list"
					}
				}
				fmt.Fprintf(w, "  %s (%s): ", o, desc)
				line, err := in.ReadString('\n')
				line = strings.TrimSpace(line)
				if line == "wait" || err != nil && line == "" {
					return executor.Done{}, executor.ErrWaiting
				}
				if line == "" {
					break
				}
				v, perr := parseAnswer(f, line)
				if perr == nil && f != nil {
					perr = f.Check(v)
				}
				if perr != nil {
					fmt.Fprintf(w, "  %v; try again\n", perr)
					continue
				}
				out[string(o)] = v
				break
			}
		}
		return executor.Done{Outputs: out, Actor: actor()}, nil
	})
}

func parseAnswer(f *process.Field, s string) (any, error) {
	if f == nil {
		return s, nil
	}
	if f.List || strings.HasPrefix(s, `"`) {
		var v any
		if err := json.Unmarshal([]byte(s), &v); err != nil {
			return nil, fmt.Errorf("not JSON: %v", err)
		}
		return v, nil
	}
	switch f.Type {
	case process.Bool:
		return strconv.ParseBool(s)
	case process.Int, process.Port:
		return strconv.ParseInt(s, 10, 64)
	}
	return s, nil
}

func actor() string {
	for _, k := range []string{"SECOPS_ACTOR", "USER", "USERNAME"} {
		if v := os.Getenv(k); v != "" {
			return v
		}
	}
	return "cli"
}

func signalContext(ctx context.Context) (context.Context, context.CancelFunc) {
	if ctx == nil {
		ctx = context.Background()
	}
	return signal.NotifyContext(ctx, os.Interrupt)
}

func readJSON(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%s: %v", path, err)
	}
	return nil
}

// writeJSON writes v indented, through a temporary file, so that a
// record is never left half-written.
func writeJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, append(b, '\n'), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
