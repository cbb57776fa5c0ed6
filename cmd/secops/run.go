package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/secopsdesign/secops"
	"github.com/secopsdesign/secops/adapters"
	"github.com/secopsdesign/secops/alert"
	"github.com/secopsdesign/secops/bundle"
	"github.com/secopsdesign/secops/console"
	"github.com/secopsdesign/secops/executor"
	"github.com/secopsdesign/secops/finding"
	"github.com/secopsdesign/secops/ident"
	"github.com/secopsdesign/secops/runs"
	"github.com/secopsdesign/secops/runstore"
)

func init() { commands = append(commands, newRun, newResume, newRollback) }

// runIO is where commands read answers and write progress; tests
// replace it.
type runIO struct {
	stdin    io.Reader
	stderr   io.Writer
	terminal bool // someone is at a terminal: runs prompt for tasks, replay shows progress
	// lookupEnv looks up the variables adapter headers name (default
	// os.LookupEnv).
	lookupEnv func(string) (string, bool)
}

func defaultIO() runIO {
	return runIO{stdin: os.Stdin, stderr: os.Stderr, terminal: console.IsTerminal(os.Stdin, os.Stderr)}
}

// runOpts are the flags of secops run.
type runOpts struct {
	design, adapters, alert, record, store, outputs string
	approve, dryRun, force                          bool
}

func newRun() *cobra.Command {
	var o runOpts
	cmd := &cobra.Command{
		Use:   "run DESIGN --adapters FILE --alert ALERT.json [--record OUT.json | --store sqlite:PATH] [--approve] [--dry-run [--outputs ANSWERS.json]]",
		Short: "Run an alert through a design against real integrations",
		Long:  help("run"),
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if o.adapters == "" || o.alert == "" {
				return usageError("run needs --adapters FILE and --alert ALERT.json")
			}
			if o.outputs != "" && !o.dryRun {
				return usageError("--outputs gives the outputs of a dry run: use it with --dry-run (to answer a waiting run, use secops resume --outputs)")
			}
			if o.record != "" && o.store != "" {
				return usageError("give --record FILE or --store STORE, not both")
			}
			o.design = args[0]
			return runDesign(cmd.Context(), defaultIO(), o)
		},
	}
	cmd.Flags().StringVar(&o.adapters, "adapters", "", "adapter configuration file (secops-adapters/v1)")
	cmd.Flags().StringVar(&o.alert, "alert", "", "the alert, an object of field id to value in JSON or YAML (- for standard input)")
	cmd.Flags().StringVar(&o.record, "record", "", "where to write the run record (default run-<id>.json)")
	cmd.Flags().StringVar(&o.store, "store", "", "keep the record in a run store: sqlite:PATH or dir:FOLDER")
	cmd.Flags().BoolVar(&o.force, "force", false, "write over an existing record file")
	cmd.Flags().BoolVar(&o.approve, "approve", false, "approve the response without asking")
	cmd.Flags().BoolVar(&o.dryRun, "dry-run", false, "call no adapter; show what would be called")
	cmd.Flags().StringVar(&o.outputs, "outputs", "", "with --dry-run: the outputs methods give, a JSON object of method id to outputs")
	return cmd
}

// resumeOpts are the flags of secops resume and rollback.
type resumeOpts struct {
	record, store, adapters, outputs, design string
	recover                                  string
	approve, reject, retry, force            bool
}

func newResume() *cobra.Command {
	var o resumeOpts
	cmd := &cobra.Command{
		Use:   "resume RECORD.json|RUN-ID --adapters FILE [--approve|--reject] [--outputs ANSWERS.json] [--recover retry|applied] [--retry]",
		Short: "Continue a waiting, interrupted or failed run and update its record",
		Long:  help("resume"),
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if o.adapters == "" {
				return usageError("resume needs --adapters FILE")
			}
			if o.approve && o.reject {
				return usageError("give --approve or --reject, not both")
			}
			switch o.recover {
			case "", "retry", "applied":
			default:
				return usageError("--recover %q: want retry or applied", o.recover)
			}
			o.record = args[0]
			return resumeRecord(cmd.Context(), defaultIO(), o)
		},
	}
	recordFlags(cmd, &o)
	cmd.Flags().StringVar(&o.outputs, "outputs", "", "outputs of manual tasks: a JSON object of method id to outputs")
	cmd.Flags().BoolVar(&o.approve, "approve", false, "grant the approval the run waits for")
	cmd.Flags().BoolVar(&o.reject, "reject", false, "decline the approval the run waits for; the run fails")
	cmd.Flags().StringVar(&o.recover, "recover", "", "for an interrupted run: retry the call in doubt (same idempotency key) or count it as applied")
	cmd.Flags().BoolVar(&o.retry, "retry", false, "for a failed run: call the failed method again (same idempotency key) and go on")
	return cmd
}

// recordFlags are the flags of resume and rollback that name the run,
// its design and adapters.
func recordFlags(cmd *cobra.Command, o *resumeOpts) {
	cmd.Flags().StringVar(&o.adapters, "adapters", "", "adapter configuration file (secops-adapters/v1)")
	cmd.Flags().StringVar(&o.store, "store", "", "the run store the run is in (sqlite:PATH or dir:FOLDER); RECORD is then a run id")
	cmd.Flags().StringVar(&o.design, "design", "", "the design file, when it is not where the record says")
	cmd.Flags().BoolVar(&o.force, "force", false, "go on although the design changed since the run started (recorded as an event)")
}

func newRollback() *cobra.Command {
	var o resumeOpts
	cmd := &cobra.Command{
		Use:   "rollback RECORD.json|RUN-ID --adapters FILE",
		Short: "Undo the response a run applied and update its record",
		Long:  help("rollback"),
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if o.adapters == "" {
				return usageError("rollback needs --adapters FILE")
			}
			o.record = args[0]
			return rollbackRecord(cmd.Context(), defaultIO(), o)
		},
	}
	recordFlags(cmd, &o)
	return cmd
}

// setup loads and checks the design and the adapter configuration for
// use, compiles the design and builds the registry. Findings go to
// stderr, each once; the errors that forbid use end the command. Unless
// dry (nothing will be called), every environment variable an adapter
// header names must be set. The design is loaded by its absolute path,
// which the records of its runs name.
func setup(rio runIO, designPath, adaptersPath string, use bundle.Use, dry bool) (*bundle.Bundle, *executor.Plan, *adapters.Registry, error) {
	abs, err := filepath.Abs(designPath)
	if err != nil {
		return nil, nil, nil, usageError("%v", err)
	}
	b, err := bundle.Load(bundle.Files{Design: abs, Adapters: adaptersPath})
	if err != nil {
		return nil, nil, nil, usageError("%v", err)
	}
	_ = finding.WriteText(rio.stderr, b.Findings)
	plan, err := b.Plan(use)
	if errors.Is(err, bundle.ErrFindings) {
		return nil, nil, nil, &exitError{code: 1}
	}
	if err != nil {
		return nil, nil, nil, usageError("%v", err)
	}
	if b.DesignErrors() {
		fmt.Fprintln(rio.stderr, "the design has errors (above); rolling back anyway: undoing containment does not wait for a fix")
	}
	if unset := b.Adapters.Unset(rio.lookupEnv); len(unset) > 0 && !dry {
		return nil, nil, nil, usageError("environment variables named in adapter headers are not set: %s: set them and run again (nothing was called)", strings.Join(unset, ", "))
	}
	reg, err := b.Adapters.Registry()
	if err != nil {
		return nil, nil, nil, usageError("%v", err)
	}
	return b, plan, reg, nil
}

func runDesign(ctx context.Context, rio runIO, o runOpts) error {
	ctx, stop := console.SignalContext(ctx)
	defer stop()
	b, plan, reg, err := setup(rio, o.design, o.adapters, bundle.ToRun, o.dryRun)
	if err != nil {
		return err
	}
	d := b.Design
	alert, err := readAlert(rio.stdin, o.alert)
	if err != nil {
		return err
	}
	if o.alert == "-" {
		rio.terminal = false // stdin was the alert: nobody answers prompts on it
	}
	var ae *executor.AlertError
	if err := plan.CheckAlert(alert); errors.As(err, &ae) {
		for _, p := range ae.Problems {
			fmt.Fprintf(rio.stderr, "%s: %s\n", o.alert, p)
		}
		fmt.Fprintf(rio.stderr, "the alert does not fit the design: nothing was run\n")
		return &exitError{code: 1}
	}
	id := runs.NewID()
	loc, err := newLocation(o.record, o.store, id, o.force, d.Source())
	if err != nil {
		return err
	}
	defer loc.Close()
	engine := []executor.Option{executor.WithSecrets(b.Adapters.Secrets(rio.lookupEnv)...)}
	if o.dryRun {
		// The engine calls nothing, and the record remembers it, so that
		// resume and rollback of it stay dry.
		var outs map[ident.Number]map[string]any
		if o.outputs != "" {
			if err := readAnswers(o.outputs, &outs); err != nil {
				return err
			}
		}
		engine = append(engine, executor.WithDryRun(outs))
		fmt.Fprintln(rio.stderr, "dry run: no adapter will be called")
	}
	r, err := runs.New(plan, loc.Store(), runs.WithRegistry(reg), runs.WithIDs(func() string { return id }),
		runs.WithClaimTTL(claimTTL()), runs.WithEngineOptions(append(engine, engineIO(rio, d, o.approve)...)...))
	if err != nil {
		return usageError("%v", err)
	}
	defer r.Close()
	rec, _, err := r.Start(ctx, alert, "", operator())
	if err != nil && rec == nil {
		if errors.Is(err, runs.ErrClaimed) {
			return usageError("%v", console.Claimed(loc.String(), err))
		}
		return usageError("%v", err)
	}
	return report(rio.stderr, d, rec, err, loc, o.adapters, ctx)
}

// operator is who acts at the CLI: the user, for every party.
func operator() runs.Actor { return runs.Actor{Name: console.User(), AnyParty: true} }

// act does a to the run o names, through the runs service over its
// record file or store: the rules are the service's, their refusals
// messages here (exit 2, the record unchanged; see console.Refusal). On
// a refusal it returns no record; else the caller closes loc.
func act(ctx context.Context, rio runIO, o resumeOpts, a runs.Act) (got *executor.Record, d *secops.Design, _ *runstore.Location, err error) {
	loc, rec, err := findLocation(ctx, o.record, o.store)
	if err != nil {
		return nil, nil, nil, err
	}
	defer func() {
		if got == nil {
			loc.Close()
		}
	}()
	path := o.design // else the record's, which must be there
	var me *runstore.MissingDesignError
	if path == "" {
		path, err = loc.DesignPath(rec)
	}
	if errors.As(err, &me) && me.Path == "" {
		return nil, nil, nil, usageError("%v: give it with --design FILE", err)
	} else if err != nil {
		return nil, nil, nil, usageError("%v: if it moved, point at it with --design FILE", err)
	}
	use := bundle.ToRun
	if a.Op == runs.OpRollback {
		use = bundle.ToUndo
	}
	b, plan, reg, err := setup(rio, path, o.adapters, use, rec.DryRun)
	if err != nil {
		return nil, nil, nil, err
	}
	loc.UseDesign(b.Design.Source())
	engine := append(engineIO(rio, b.Design, false), executor.WithSecrets(b.Adapters.Secrets(rio.lookupEnv)...))
	opts := []runs.Option{runs.WithRegistry(reg), runs.WithClaimTTL(claimTTL()), runs.WithEngineOptions(engine...)}
	if o.force {
		opts = append(opts, runs.WithChangedDesign())
	}
	r, err := runs.New(plan, loc.Store(), opts...)
	if err != nil {
		return nil, nil, nil, usageError("%v", err)
	}
	defer r.Close()
	if rec.DryRun {
		fmt.Fprintln(rio.stderr, "dry run: the record is a dry run; no adapter will be called")
	}
	got, err = r.Do(ctx, rec.ID, a, operator())
	if err != nil && (got == nil || runs.Refused(err)) {
		act := console.Act{Where: loc.String(), Design: path, Outputs: o.outputs, Commands: goOn(ref(loc, rec.ID), o.adapters)}
		if err := console.Refusal(rio.stderr, err, rec, act); err != nil {
			return nil, nil, nil, usageError("%v", err)
		}
		return nil, nil, nil, nil
	}
	return got, b.Design, loc, err
}

func resumeRecord(ctx context.Context, rio runIO, o resumeOpts) error {
	ctx, stop := console.SignalContext(ctx)
	defer stop()
	a := runs.Act{Op: runs.OpContinue, Mode: executor.Recovery(o.recover)}
	switch {
	case o.retry && o.recover != "":
		return usageError("--retry is for a failed run, --recover for an interrupted one: give one")
	case o.retry:
		a.Op = runs.OpRetry
	case o.recover != "":
		a.Op = runs.OpRecover
	case o.approve:
		a.Op = runs.OpApprove
	case o.reject:
		a.Op = runs.OpReject
	case o.outputs != "":
		a.Op = runs.OpAnswer
	}
	if o.outputs != "" {
		if err := readAnswers(o.outputs, &a.Outputs); err != nil {
			return err
		}
	}
	rec, d, loc, err := act(ctx, rio, o, a)
	if rec == nil {
		return err
	}
	defer loc.Close()
	if err != nil && !errors.Is(err, executor.ErrCheckpoint) {
		return usageError("%v", err)
	}
	return report(rio.stderr, d, rec, err, loc, o.adapters, ctx)
}

func rollbackRecord(ctx context.Context, rio runIO, o resumeOpts) error {
	ctx, stop := console.SignalContext(ctx)
	defer stop()
	rec, _, loc, err := act(ctx, rio, o, runs.Act{Op: runs.OpRollback})
	if rec == nil {
		return err
	}
	defer loc.Close()
	for _, m := range rec.ManualRollback {
		fmt.Fprintf(rio.stderr, "to do by hand: method %s: %s\n", m.Method, m.Procedure)
	}
	fmt.Fprintf(rio.stderr, "record: %s\n", loc)
	if code := console.Signalled(ctx); code != 0 {
		fmt.Fprintf(rio.stderr, "rollback interrupted: run it again to finish undoing\n")
		return &exitError{code: code}
	}
	if err != nil {
		fmt.Fprintln(rio.stderr, "rollback failed:", strings.TrimPrefix(err.Error(), runs.ErrRollbackFailed.Error()+": "))
		return &exitError{code: 1}
	}
	return nil
}

// engineIO gives the engine its terminal (see console.EngineOptions).
func engineIO(rio runIO, d *secops.Design, approve bool) []executor.Option {
	return console.EngineOptions(rio.stdin, rio.stderr, d, console.User(), approve, rio.terminal)
}

// report says how the run ended and, when it waits, how to continue.
// runErr is the engine's error (a failed checkpoint).
func report(w io.Writer, d *secops.Design, rec *executor.Record, runErr error, loc *runstore.Location, adaptersPath string, ctx context.Context) error {
	if console.Report(w, d, rec, runErr, loc.String(), goOn(ref(loc, rec.ID), adaptersPath)) {
		return nil
	}
	if code := console.Signalled(ctx); code != 0 && runErr == nil && (rec.Status == executor.Interrupted || rec.Status == executor.Running) {
		return &exitError{code: code}
	}
	return &exitError{code: 1}
}

// goOn is how the user goes on with run ref.
func goOn(ref, adaptersPath string) console.Commands {
	return console.Commands{Resume: "secops resume " + ref + " --adapters " + adaptersPath,
		Rollback: "secops rollback " + ref + " --adapters " + adaptersPath, Rerun: "run again with --dry-run"}
}

// readAlert reads the alert at path, "-" for stdin (see package alert).
// The values are checked against the design later, all at once.
func readAlert(stdin io.Reader, path string) (map[string]any, error) {
	a, err := alert.ReadFile(path, stdin)
	if err != nil {
		return nil, &exitError{code: 1, err: fmt.Errorf("alert: %s", strings.TrimSuffix(err.Error(), "\n"))}
	}
	return a, nil
}

// readAnswers reads outputs by method (see console.ReadOutputs).
func readAnswers(path string, out *map[ident.Number]map[string]any) error {
	m, err := console.ReadOutputs(path)
	if err != nil {
		return usageError("outputs: %v", err)
	}
	*out = m
	return nil
}
