package sip

import (
	"os"
	"strings"
	"testing"
	"time"

	"sportello/telephony"
)

func TestParseConfig(t *testing.T) {
	tel, err := os.ReadFile("../testdata/telephony.json")
	if err != nil {
		t.Fatal(err)
	}
	setup, err := telephony.ParseConfig("telephony.json", tel)
	if err != nil {
		t.Fatal(err)
	}
	good, err := os.ReadFile("testdata/sip.json")
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := ParseConfig("sip.json", good, setup)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Addr != "127.0.0.1:5060" || cfg.Queues["800"] != "numero verde" || cfg.AnswerDelay != time.Second ||
		cfg.CallbackKey != '1' || cfg.Operators["201"] != "anna" || !cfg.LoginOnRegister ||
		cfg.Outbound != "sip:{number}@127.0.0.1:5090" || cfg.DialTimeout != 30*time.Second || cfg.Accounts["201"] != "s3greto" {
		t.Fatalf("%+v", cfg)
	}
	full := `{"numbers": {"1": "centralino"}, "listenTCP": "127.0.0.1:5060", "rtpPorts": "10000-10999", "sessionExpires": "10m",
		"allowCalls": ["192.0.2.1", "10.20.0.0/16"], "allowRegister": ["10.30.0.0/16"], "maxAuthFailures": 7, "lockout": "1h",
		"prompts": "/srv/prompts",
		"trunk": {"uri": "sip:{number}@192.0.2.5:5060", "username": "sportello", "password": "x", "addresses": ["192.0.2.5"],
		          "callerID": "0612345678", "inboundUser": "pbx", "inboundPassword": "y"},
		"recording": {"queues": ["centralino"], "retention": "720h"}}`
	c2, err := ParseConfig("sip.json", []byte(full), setup)
	if err != nil {
		t.Fatal(err)
	}
	if c2.ListenTCP != "127.0.0.1:5060" || c2.RTPPorts != [2]int{10000, 10999} || c2.SessionExpires != 10*time.Minute ||
		len(c2.Security.AllowCalls) != 2 || c2.Security.AllowRegister[0].String() != "10.30.0.0/16" || c2.Security.MaxFailures != 7 ||
		c2.Security.Lockout != time.Hour || c2.PromptsDir != "/srv/prompts" || c2.Trunk.CallerID != "0612345678" ||
		c2.Trunk.Addresses[0].String() != "192.0.2.5/32" || c2.Trunk.InboundUser != "pbx" || !c2.Recording.Queues["centralino"] ||
		c2.Recording.Retention != 720*time.Hour {
		t.Fatalf("%+v", c2)
	}
	tests := []struct{ name, in, want string }{
		{"syntax", "{\n\"listen\": ,\n}", "sip.json:2:"},
		{"type", "{\n\"numbers\": 5}", "sip.json:2: field numbers"},
		{"unknown field", `{"numbers": {"1": "centralino"}, "lisen": "x"}`, "unknown field"},
		{"empty", "", "empty file"},
		{"bad listen", `{"listen": "localhost", "numbers": {"1": "centralino"}}`, "listen"},
		{"bad media ip", `{"mediaIP": "pbx", "numbers": {"1": "centralino"}}`, "mediaIP"},
		{"no numbers", `{}`, "numbers: no queue number"},
		{"unknown queue", `{"numbers": {"1": "anagrafe"}}`, `numbers.1: no voice queue "anagrafe"`},
		{"offline queue", `{"numbers": {"1": "posta"}}`, `numbers.1`},
		{"bad key", `{"numbers": {"1": "centralino"}, "callbackKey": "12"}`, "callbackKey"},
		{"bad duration", `{"numbers": {"1": "centralino"}, "answerDelay": "soon"}`, "sip.json"},
		{"account of nobody", `{"numbers": {"1": "centralino"}, "accounts": {"999": "x"}}`, "accounts.999: no operator"},
		{"empty password", `{"numbers": {"1": "centralino"}, "accounts": {"201": ""}}`, "accounts.201: empty password"},
		{"outbound without number", `{"numbers": {"1": "centralino"}, "outbound": "sip:gw@1.2.3.4"}`, "outbound"},
		{"outbound not sip", `{"numbers": {"1": "centralino"}, "outbound": "{number}"}`, "outbound"},
		{"bad tcp", `{"numbers": {"1": "centralino"}, "listenTCP": "pbx:5060"}`, "listenTCP"},
		{"tls without cert", `{"numbers": {"1": "centralino"}, "listenTLS": "0.0.0.0:5061"}`, "needs tlsCert"},
		{"tls cert missing", `{"numbers": {"1": "centralino"}, "listenTLS": "0.0.0.0:5061", "tlsCert": "/nope.crt", "tlsKey": "/nope.key"}`, "tlsCert"},
		{"bad rtp range", `{"numbers": {"1": "centralino"}, "rtpPorts": "20000-10000"}`, "rtpPorts"},
		{"short session", `{"numbers": {"1": "centralino"}, "sessionExpires": "30s"}`, "sessionExpires"},
		{"bad allow", `{"numbers": {"1": "centralino"}, "allowCalls": ["pbx.example"]}`, "allowCalls"},
		{"trunk without number", `{"numbers": {"1": "centralino"}, "trunk": {"uri": "sip:pbx@1.2.3.4"}}`, "trunk.uri"},
		{"bad caller id", `{"numbers": {"1": "centralino"}, "trunk": {"callerID": "Regione"}}`, "trunk.callerID"},
		{"inbound half", `{"numbers": {"1": "centralino"}, "trunk": {"inboundUser": "pbx"}}`, "trunk.inboundPassword"},
		{"record unknown queue", `{"numbers": {"1": "centralino"}, "recording": {"queues": ["anagrafe"], "retention": "720h"}}`, "recording.queues"},
		{"record forever", `{"numbers": {"1": "centralino"}, "recording": {"queues": ["centralino"]}}`, "recording.retention"},
		{"bad srtp", `{"numbers": {"1": "centralino"}, "srtp": "yes"}`, "srtp"},
		{"record bad notice", `{"numbers": {"1": "centralino"}, "recording": {"queues": ["centralino"], "retention": "1h", "notice": "/nope.wav"}}`, "recording.notice"},
	}
	for _, tt := range tests {
		_, err := ParseConfig("sip.json", []byte(tt.in), setup)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: err = %v, want %q", tt.name, err, tt.want)
		}
	}
}

func FuzzParseConfig(f *testing.F) {
	good, _ := os.ReadFile("testdata/sip.json")
	f.Add(good)
	f.Add([]byte(`{"numbers": {"1": "x"}, "outbound": "sip:{number}@[::1]:5060", "callbackKey": "#"}`))
	f.Add([]byte(`{"listen": ":"}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		cfg, err := ParseConfig("fuzz.json", b, nil)
		if err == nil && (len(cfg.Queues) == 0 || cfg.Addr == "") {
			t.Fatalf("accepted %+v", cfg)
		}
	})
}

// The demo SIP configuration fits the demo telephony configuration.
func TestDemoConfig(t *testing.T) {
	setup, err := telephony.ParseConfig("demo", telephony.DemoConfig)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := ParseConfig("demo sip", DemoConfig, setup)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Queues["100"] != "centralino" || cfg.Operators["201"] == "" || cfg.Addr != "127.0.0.1:5060" {
		t.Fatalf("%+v", cfg)
	}
}
