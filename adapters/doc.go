// Package adapters connects a design's actions to real systems.
//
// An action such as edr.isolate_host names an Adapter ("edr") and an
// operation ("isolate_host"). Adapters are small: a name and a Call from a
// Request (operation, inputs) to a Result (outputs) or an error, which may
// be marked Retryable.
package adapters
