package console

import (
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/secopsdesign/secops/executor"
	"github.com/secopsdesign/secops/runs"
	"github.com/secopsdesign/secops/runstore"
)

// An Act is what a refused act was, for the words of its refusal.
type Act struct {
	// Where names the run's record ("run.json", "run R in sqlite:runs.db").
	Where string
	// Design is the design file the run was continued with.
	Design string
	// Outputs is the file the answers were read from, if any.
	Outputs string
	// Commands are how the user goes on.
	Commands Commands
}

// Refusal says why the runs service refused an act on rec, and how to
// go on, as an error whose text is for the user, the record being
// unchanged. A rollback with nothing to undo is not a failure: it says
// so on w and returns nil.
func Refusal(w io.Writer, err error, rec *executor.Record, a Act) error {
	var ue *executor.UncertainError
	switch {
	case errors.Is(err, runs.ErrClaimed):
		return Claimed(a.Where, err)
	case errors.As(err, &ue):
		return fmt.Errorf("%s\nthe record is unchanged", Uncertain(ue.Calls, a.Where+": the run was interrupted during a call", a.Commands))
	case errors.Is(err, executor.ErrDesignChanged):
		return fmt.Errorf("%s: %s has changed: %v; going on would follow a flow the run did not start with: "+
			"restore the design, or use --force to go on with the changed one (the record notes it); the record is unchanged",
			a.Where, a.Design, err)
	case errors.Is(err, runs.ErrFailed):
		msg := fmt.Sprintf("%s: run %s failed: %s", a.Where, rec.ID, rec.Error)
		if ev, ok := rec.FailedMethod(); ok {
			msg += fmt.Sprintf("\nretry method %s with: %s --retry", ev.Method, a.Commands.Resume)
			if ev.Uncertain {
				msg += fmt.Sprintf("\nor, if it did take effect: %s --recover applied", a.Commands.Resume)
			}
		} else {
			msg += "\nit cannot be continued"
		}
		return fmt.Errorf("%s (the record is unchanged)", msg)
	case errors.Is(err, runs.ErrNotFailed):
		return fmt.Errorf("%s: run %s was %s, not failed: use --recover retry|applied if a call is in doubt, or no flag", a.Where, rec.ID, rec.Status)
	case errors.Is(err, runs.ErrInvalidAnswer) && a.Outputs != "":
		return fmt.Errorf("%s: %v (the record is unchanged)", a.Outputs, err)
	case errors.Is(err, runs.ErrNothingToUndo):
		if len(rec.Applied) == 0 {
			fmt.Fprintln(w, "nothing to roll back: the run applied no response method")
		} else {
			fmt.Fprintf(w, "nothing to roll back: every applied method (%s) was rolled back already\n", JoinNumbers(rec.Applied))
		}
		fmt.Fprintf(w, "record: %s\n", a.Where)
		return nil
	}
	return fmt.Errorf("%v (the record is unchanged)", err)
}

// Claimed says that the run where names is in use by another process
// (err wraps a *runstore.ClaimedError), and when its claim lapses.
func Claimed(where string, err error) error {
	var ce *runstore.ClaimedError
	if !errors.As(err, &ce) {
		return fmt.Errorf("%s: %v", where, err)
	}
	msg := fmt.Sprintf("%s is in use by another secops process (%s): wait for it to finish, or stop it", where, ce.Holder)
	if !ce.Expires.IsZero() {
		msg += fmt.Sprintf("; if that process is gone, its claim lapses at %s", ce.Expires.Local().Format(time.TimeOnly))
	}
	return errors.New(msg)
}
