// Package simulate provides adapters that answer each call with the
// outputs a test scenario gives for the method being run, so that a
// design can be run without any real system.
//
// A call for a method the scenario gives no outputs for returns a Result
// with nil Outputs. Whether that is also an error depends on the method:
// for the methods named with RequireOutputs (Registry names every method
// that declares outputs in the design) the call fails with an error
// wrapping ErrNoOutputs, inside an *adapters.CallError that names the
// method; for the others it succeeds. Either way the method is listed by
// Log.Missing, and every call is recorded in the Log.
package simulate
