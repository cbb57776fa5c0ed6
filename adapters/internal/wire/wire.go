package wire

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/secopsdesign/secops/adapters"
)

// MaxReply is the largest reply read, in bytes.
const MaxReply = 1 << 20

// ErrTooLarge is the error for a reply over MaxReply bytes.
var ErrTooLarge = fmt.Errorf("reply larger than %d bytes (1 MiB)", MaxReply)

// reply is the JSON an integration answers with.
type reply struct {
	Outputs   map[string]any `json:"outputs"`
	Error     *string        `json:"error"`
	Retryable bool           `json:"retryable"`
}

// Encode returns the JSON of req.
func Encode(req adapters.Request) ([]byte, error) {
	if req.Inputs == nil {
		req.Inputs = map[string]any{}
	}
	return json.Marshal(req)
}

// RemoteError is an error an integration reported in its reply.
type RemoteError struct {
	// Message is the reply's error.
	Message string
}

// Error returns the message of the reply.
func (e *RemoteError) Error() string { return e.Message }

// Decode reads a reply. An error reply gives a *RemoteError, marked
// adapters.Retryable when the reply says so; anything but one JSON object
// is an error saying the reply is malformed.
func Decode(data []byte) (adapters.Result, error) {
	if len(bytes.TrimSpace(data)) == 0 {
		return adapters.Result{}, errors.New("malformed reply: empty")
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	var r reply
	if err := dec.Decode(&r); err != nil {
		return adapters.Result{}, fmt.Errorf("malformed reply: %v", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return adapters.Result{}, errors.New("malformed reply: data after the JSON object")
	}
	if r.Error != nil {
		msg := *r.Error
		if msg == "" {
			msg = "error reply without a message"
		}
		var err error = &RemoteError{Message: msg}
		if r.Retryable {
			err = adapters.Retryable(err)
		}
		return adapters.Result{}, err
	}
	return adapters.Result{Outputs: r.Outputs}, nil
}
