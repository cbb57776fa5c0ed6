package webhook_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"

	"github.com/secopsdesign/secops/adapters"
	"github.com/secopsdesign/secops/adapters/webhook"
)

func Example() {
	// A firewall API that wants a bearer token.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer s3cret" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		io.WriteString(w, `{"outputs": {"rule_id": "r-17"}}`)
	}))
	defer srv.Close()

	env := map[string]string{"FW_TOKEN": "s3cret"} // os.LookupEnv by default
	fw, err := webhook.New("firewall", srv.URL,
		webhook.WithHeaders(map[string]string{"Authorization": "Bearer ${FW_TOKEN}"}),
		webhook.WithLookupEnv(func(k string) (string, bool) { v, ok := env[k]; return v, ok }))
	if err != nil {
		panic(err)
	}
	res, err := fw.Call(context.Background(), adapters.Request{Operation: "block_ip", Method: "2.1.1", Inputs: map[string]any{"ip": "192.0.2.7"}})
	fmt.Println(res.Outputs, err)

	delete(env, "FW_TOKEN")
	_, err = fw.Call(context.Background(), adapters.Request{Operation: "block_ip", Method: "2.1.1"})
	fmt.Println(err)
	// Output:
	// map[rule_id:r-17] <nil>
	// adapter "firewall": operation "block_ip" (method 2.1.1): environment variable FW_TOKEN, named in a header, is not set
}
