package wire

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/secopsdesign/secops/adapters"
)

func TestDecode(t *testing.T) {
	tests := []struct {
		name          string
		in            string
		want          adapters.Result
		wantErr       bool
		wantRemote    bool
		wantRetryable bool
	}{
		{name: "outputs", in: `{"outputs": {"ip": "192.0.2.1", "n": 2}}`, want: adapters.Result{Outputs: map[string]any{"ip": "192.0.2.1", "n": 2.0}}},
		{name: "no outputs", in: `{}`},
		{name: "unknown keys ignored", in: `{"outputs": {}, "log": "x"}`, want: adapters.Result{Outputs: map[string]any{}}},
		{name: "error", in: `{"error": "no such host"}`, wantErr: true, wantRemote: true},
		{name: "empty error", in: `{"error": ""}`, wantErr: true, wantRemote: true},
		{name: "retryable error", in: `{"error": "busy", "retryable": true}`, wantErr: true, wantRemote: true, wantRetryable: true},
		{name: "empty", in: " \n", wantErr: true},
		{name: "not json", in: `isolated`, wantErr: true},
		{name: "trailing data", in: `{"outputs": {}} {}`, wantErr: true},
		{name: "outputs not an object", in: `{"outputs": [1]}`, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Decode([]byte(tt.in))
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, want error %v", err, tt.wantErr)
			}
			var re *RemoteError
			if errors.As(err, &re) != tt.wantRemote || adapters.IsRetryable(err) != tt.wantRetryable {
				t.Errorf("err = %v: remote %v retryable %v, want %v %v", err, errors.As(err, &re), adapters.IsRetryable(err), tt.wantRemote, tt.wantRetryable)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestEncode(t *testing.T) {
	got, err := Encode(adapters.Request{Operation: "block_ip", Method: "2.1.1", Run: "r1"})
	if err != nil {
		t.Fatal(err)
	}
	want := `{"operation":"block_ip","inputs":{},"method":"2.1.1","run":"r1"}`
	if diff := cmp.Diff(want, string(got)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}
