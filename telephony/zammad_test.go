package telephony

import (
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestParseZammad(t *testing.T) {
	tests := []struct {
		name, ctype, body string
		want              ZammadEvent
		wantErr           string
	}{
		{"form newCall", "application/x-www-form-urlencoded",
			"event=newCall&from=0612345678&to=800123456&direction=in&callId=4711&user%5B%5D=Anna&user%5B%5D=Bruno",
			ZammadEvent{Event: "newCall", From: "0612345678", To: "800123456", Direction: "in", CallID: "4711", User: []string{"Anna", "Bruno"}}, ""},
		{"form answer", "application/x-www-form-urlencoded; charset=utf-8",
			"event=answer&from=0612345678&to=800123456&direction=in&callId=4711&answeringNumber=201",
			ZammadEvent{Event: "answer", From: "0612345678", To: "800123456", Direction: "in", CallID: "4711", AnsweringNumber: "201"}, ""},
		{"json hangup", "application/json",
			`{"event":"hangup","from":"0612345678","to":"800123456","direction":"in","callId":"4711","cause":"cancel","user":"Anna"}`,
			ZammadEvent{Event: "hangup", From: "0612345678", To: "800123456", Direction: "in", CallID: "4711", Cause: "cancel", User: []string{"Anna"}}, ""},
		{"json numeric id", "application/json", `{"event":"answer","callId":4711}`,
			ZammadEvent{Event: "answer", CallID: "4711"}, ""},
		{"missing event", "application/x-www-form-urlencoded", "callId=1&direction=in", ZammadEvent{}, `"event" is missing`},
		{"unknown event", "application/x-www-form-urlencoded", "event=ring&callId=1", ZammadEvent{}, `unknown value "ring"`},
		{"missing callId", "application/json", `{"event":"newCall","direction":"in"}`, ZammadEvent{}, `"callId" is missing`},
		{"bad direction", "application/json", `{"event":"newCall","direction":"up","callId":"1"}`, ZammadEvent{}, `"direction"`},
		{"newCall without direction", "application/json", `{"event":"newCall","callId":"1"}`, ZammadEvent{}, `"direction" is missing`},
		{"bad user", "application/json", `{"event":"newCall","direction":"in","callId":"1","user":{"a":1}}`, ZammadEvent{}, `"user"`},
		{"not json", "application/json", `{`, ZammadEvent{}, "not a JSON object"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseZammad(tc.ctype, []byte(tc.body))
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

// TestZammadWebhook plays an external PBX's notifications into the shared log and checks the
// statistics they give.
func TestZammadWebhook(t *testing.T) {
	clk := NewManualClock(t0)
	log := NewEventLog()
	h := &ZammadCTI{Log: log, Clock: clk, Token: "segreto", Queue: func(to string) string {
		if to == "800123456" {
			return "numero verde"
		}
		return "centralino"
	}}
	post := func(path, body string) int {
		r := httptest.NewRequest(http.MethodPost, path, strings.NewReader(body))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w.Code
	}
	steps := []struct {
		after time.Duration
		body  string
	}{
		{0, "event=newCall&from=061&to=800123456&direction=in&callId=1"},
		{12 * time.Second, "event=answer&from=061&to=800123456&direction=in&callId=1&answeringNumber=201"},
		{0, "event=newCall&from=062&to=800123456&direction=in&callId=2"},
		{40 * time.Second, "event=hangup&from=062&to=800123456&direction=in&callId=2&cause=cancel"},
		{0, "event=newCall&from=063&to=0699&direction=in&callId=3"},
		{0, "event=hangup&from=063&to=0699&direction=in&callId=3&cause=busy"},
		{60 * time.Second, "event=hangup&from=061&to=800123456&direction=in&callId=1&cause=normalClearing"},
		{0, "event=newCall&from=201&to=064&direction=out&callId=4&user=Anna"},
		{0, "event=hangup&from=201&to=064&direction=out&callId=4&cause=normalClearing"},
	}
	for _, s := range steps {
		clk.Advance(s.after)
		if code := post("/api/v1/cti/segreto", s.body); code != http.StatusOK {
			t.Fatalf("%s: status %d", s.body, code)
		}
	}
	if code := post("/api/v1/cti/sbagliato", steps[0].body); code != http.StatusForbidden {
		t.Errorf("wrong token: status %d", code)
	}
	if code := post("/api/v1/cti/segreto", "event=boh"); code != http.StatusBadRequest {
		t.Errorf("bad event: status %d", code)
	}
	ev := log.Events(time.Time{}, time.Time{})
	// Three inbound calls (one answered within 30 s and talked 100 s, one abandoned after 30 s,
	// one queued and then refused busy) and an outbound one.
	if kindCount(ev, EvOffered) != 4 || kindCount(ev, EvQueued) != 3 || kindCount(ev, EvAnswered) != 1 || kindCount(ev, EvAbandoned) != 1 || kindCount(ev, EvBlocked) != 1 {
		t.Errorf("events %+v", ev)
	}
	for _, e := range ev {
		switch {
		case e.Kind == EvAnswered && e.Wait > 30*time.Second, e.Kind == EvAbandoned && e.Wait <= 30*time.Second, e.Kind == EvCompleted && e.Talk != 100*time.Second,
			e.CallID == "4" && e.Direction != "out", e.CallID != "4" && e.Direction != "in":
			t.Errorf("event %+v", e)
		}
	}
	var queues []string
	for _, e := range log.Events(time.Time{}, time.Time{}) {
		if e.Kind == EvQueued {
			queues = append(queues, e.Queue)
		}
	}
	if strings.Join(queues, ",") != "numero verde,numero verde,centralino" {
		t.Errorf("queues %v", queues)
	}
}

func FuzzParseZammad(f *testing.F) {
	f.Add("application/json", `{"event":"newCall","from":"1","to":"2","direction":"in","callId":"x","user":["a"]}`)
	f.Add("application/x-www-form-urlencoded", "event=hangup&callId=1&cause=busy")
	f.Add("", "event=answer&callId=%zz")
	f.Fuzz(func(t *testing.T, ctype, body string) {
		z, err := ParseZammad(ctype, []byte(body))
		if err == nil && (z.CallID == "" || z.Event == "") {
			t.Fatalf("accepted an event without id or kind: %+v", z)
		}
		if err == nil {
			(&ZammadCTI{Log: NewEventLog(), Clock: NewManualClock(t0)}).Apply(z)
		}
	})
}
