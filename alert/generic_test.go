package alert

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
)

// TestGenericJSONBody: a generic webhook URL with ?template=json gets the
// body the README documents, {"message": "...", "title": "..."}, as JSON:
// the whole message, and its first line as the title.
func TestGenericJSONBody(t *testing.T) {
	var body []byte
	var ctype string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ = io.ReadAll(r.Body)
		ctype = r.Header.Get("Content-Type")
	}))
	defer srv.Close()
	chs, err := Channels([]string{"generic+" + srv.URL + "/hook?template=json"})
	if err != nil {
		t.Fatal(err)
	}
	n := Notification{Title: "vps1: traffic has reached 80% of the quota", Body: "Used 400.00 GB of 500.00 GB (80.0%)"}
	text := "vps1: traffic has reached 80% of the quota\nUsed 400.00 GB of 500.00 GB (80.0%)"
	if err := chs[0].Send(context.Background(), n); err != nil {
		t.Fatal(err)
	}
	var got map[string]string
	if err := json.Unmarshal(body, &got); err != nil || ctype != "application/json" || len(got) != 2 || got["message"] != text || got["title"] != n.Title {
		t.Errorf("body %s (%s, %v), want {\"message\": the message, \"title\": its first line}", body, ctype, err)
	}
}
