package sip

import (
	"bytes"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	sipmsg "github.com/emiago/sipgo/sip"

	"sportello/telephony"
	"sportello/telephony/media"
)

// FileConfig is the "sip" section of Sportello's configuration, in JSON:
//
//	{
//	  "listen": "0.0.0.0:5060",
//	  "mediaIP": "192.0.2.10",
//	  "numbers": {"100": "centralino", "800": "numero verde"},
//	  "answerDelay": "1s",
//	  "loginOnRegister": true,
//	  "accounts": {"201": "password of 201's phone"},
//	  "callbackKey": "1",
//	  "choiceTimeout": "15s",
//	  "maxRecording": "2m",
//	  "maxExpires": "1h",
//	  "outbound": "sip:{number}@192.0.2.1:5060",
//	  "dialTimeout": "30s",
//	  "listenTCP": "0.0.0.0:5060", "listenTLS": "0.0.0.0:5061",
//	  "tlsCert": "/etc/sportello/sip.crt", "tlsKey": "/etc/sportello/sip.key",
//	  "rtpPorts": "10000-10999", "srtp": "optional",
//	  "sessionExpires": "30m",
//	  "allowCalls": ["192.0.2.1", "10.20.0.0/16"], "allowRegister": ["10.30.0.0/16"],
//	  "maxAuthFailures": 5, "lockout": "15m",
//	  "prompts": "/usr/share/asterisk/sounds/it_IT_m_Carlo",
//	  "trunk": {"uri": "sip:{number}@192.0.2.5:5060", "username": "sportello", "password": "…",
//	            "addresses": ["192.0.2.5"], "callerID": "0612345678",
//	            "inboundUser": "pbx", "inboundPassword": "…"},
//	  "recording": {"queues": ["numero verde"], "retention": "720h", "notice": "/etc/sportello/informativa.wav"}
//	}
//
// Operator accounts are the operators of the telephony configuration: each phone registers as
// its operator's "extension", with the password given in "accounts" (digest authentication) or,
// for extensions left out, without one. Keep the file readable by the service only.
type FileConfig struct {
	Listen          string             `json:"listen"`
	MediaIP         string             `json:"mediaIP"`
	Numbers         map[string]string  `json:"numbers"`
	AnswerDelay     telephony.Duration `json:"answerDelay"`
	LoginOnRegister bool               `json:"loginOnRegister"`
	Accounts        map[string]string  `json:"accounts"`
	CallbackKey     string             `json:"callbackKey"`
	ChoiceTimeout   telephony.Duration `json:"choiceTimeout"`
	MaxRecording    telephony.Duration `json:"maxRecording"`
	MaxExpires      telephony.Duration `json:"maxExpires"`
	Outbound        string             `json:"outbound"`
	DialTimeout     telephony.Duration `json:"dialTimeout"`
	ListenTCP       string             `json:"listenTCP"`
	ListenTLS       string             `json:"listenTLS"`
	TLSCert         string             `json:"tlsCert"`
	TLSKey          string             `json:"tlsKey"`
	RTPPorts        string             `json:"rtpPorts"`
	SessionExpires  telephony.Duration `json:"sessionExpires"`
	AllowCalls      []string           `json:"allowCalls"`
	AllowRegister   []string           `json:"allowRegister"`
	MaxAuthFailures int                `json:"maxAuthFailures"`
	Lockout         telephony.Duration `json:"lockout"`
	Prompts         string             `json:"prompts"`
	Trunk           *FileTrunk         `json:"trunk"`
	Recording       *FileRecording     `json:"recording"`
	SRTP            string             `json:"srtp"`
}

// FileTrunk is the "trunk" object: the connection to the Administration's PBX.
type FileTrunk struct {
	URI             string   `json:"uri"`
	Username        string   `json:"username"`
	Password        string   `json:"password"`
	Addresses       []string `json:"addresses"`
	CallerID        string   `json:"callerID"`
	InboundUser     string   `json:"inboundUser"`
	InboundPassword string   `json:"inboundPassword"`
}

// FileRecording is the "recording" object (TK-4): which queues are recorded, for how long the
// recordings are kept, and the privacy notice callers hear first (a WAV file; default a spoken
// Italian text).
type FileRecording struct {
	Queues    []string           `json:"queues"`
	Retention telephony.Duration `json:"retention"`
	Notice    string             `json:"notice"`
}

// ParseConfig reads and validates a SIP configuration against the telephony setup it serves
// (the queues numbers point to, the operators who register). Errors name the file, the line
// for JSON syntax and the field for values; the Config returned lacks only Center and Prompts.
func ParseConfig(name string, data []byte, setup *telephony.Setup) (Config, error) {
	var f FileConfig
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		var syn *json.SyntaxError
		var typ *json.UnmarshalTypeError
		switch {
		case errors.As(err, &syn):
			return Config{}, fmt.Errorf("%s:%d: %v", name, line(data, syn.Offset), err)
		case errors.As(err, &typ):
			return Config{}, fmt.Errorf("%s:%d: field %s: want a %s", name, line(data, typ.Offset), typ.Field, typ.Type)
		case err == io.EOF:
			return Config{}, fmt.Errorf("%s: empty file", name)
		}
		return Config{}, fmt.Errorf("%s: %v", name, err)
	}
	bad := func(field, format string, a ...any) error {
		return fmt.Errorf("%s: %s: %s", name, field, fmt.Sprintf(format, a...))
	}
	if f.Listen == "" {
		f.Listen = "127.0.0.1:5060"
	}
	host, port, err := net.SplitHostPort(f.Listen)
	if err != nil {
		return Config{}, bad("listen", "%q is not host:port", f.Listen)
	}
	if p, err := strconv.Atoi(port); err != nil || p < 0 || p > 65535 {
		return Config{}, bad("listen", "bad port %q", port)
	}
	if host != "" && net.ParseIP(host) == nil {
		return Config{}, bad("listen", "%q is not an IP address", host)
	}
	if f.MediaIP != "" && net.ParseIP(f.MediaIP) == nil {
		return Config{}, bad("mediaIP", "%q is not an IP address", f.MediaIP)
	}
	if len(f.Numbers) == 0 {
		return Config{}, bad("numbers", "no queue number: callers could reach nothing")
	}
	queues := map[string]bool{}
	if setup != nil {
		for _, q := range setup.Queues {
			if !q.Offline {
				queues[q.Name] = true
			}
		}
	}
	nums := make([]string, 0, len(f.Numbers))
	for n := range f.Numbers {
		nums = append(nums, n)
	}
	sort.Strings(nums)
	for _, n := range nums {
		if n == "" {
			return Config{}, bad("numbers", "empty number")
		}
		if q := f.Numbers[n]; setup != nil && !queues[q] {
			return Config{}, bad("numbers."+n, "no voice queue %q in the telephony configuration", q)
		}
	}
	var key byte
	switch len(f.CallbackKey) {
	case 0:
	case 1:
		key = f.CallbackKey[0]
		if !(key >= '0' && key <= '9' || key == '*' || key == '#') {
			return Config{}, bad("callbackKey", "%q is not a telephone key", f.CallbackKey)
		}
	default:
		return Config{}, bad("callbackKey", "%q is not one key", f.CallbackKey)
	}
	if f.Outbound != "" {
		var u sipmsg.Uri
		if !strings.Contains(f.Outbound, "{number}") {
			return Config{}, bad("outbound", "%q has no {number}", f.Outbound)
		}
		if err := sipmsg.ParseUri(strings.ReplaceAll(f.Outbound, "{number}", "0"), &u); err != nil || u.Host == "" {
			return Config{}, bad("outbound", "%q is not a SIP URI", f.Outbound)
		}
	}
	cfg := Config{Addr: f.Listen, Outbound: f.Outbound, DialTimeout: time.Duration(f.DialTimeout), MediaIP: f.MediaIP, Queues: f.Numbers, LoginOnRegister: f.LoginOnRegister,
		AnswerDelay: time.Duration(f.AnswerDelay), CallbackKey: key, ChoiceTimeout: time.Duration(f.ChoiceTimeout),
		MaxRecording: time.Duration(f.MaxRecording), MaxExpires: time.Duration(f.MaxExpires)}
	if setup != nil {
		cfg.Operators = ExtensionsOf(setup.Operators)
		if len(cfg.Operators) == 0 {
			return Config{}, bad("operators", "no operator has an extension: no phone could register")
		}
	}
	exts := make([]string, 0, len(f.Accounts))
	for ext := range f.Accounts {
		exts = append(exts, ext)
	}
	sort.Strings(exts)
	for _, ext := range exts {
		if f.Accounts[ext] == "" {
			return Config{}, bad("accounts."+ext, "empty password")
		}
		if setup != nil && cfg.Operators[ext] == "" {
			return Config{}, bad("accounts."+ext, "no operator has extension %q", ext)
		}
	}
	if len(f.Accounts) > 0 {
		cfg.Accounts = f.Accounts
	}
	for _, l := range []struct{ field, addr string }{{"listenTCP", f.ListenTCP}, {"listenTLS", f.ListenTLS}} {
		if l.addr == "" {
			continue
		}
		h, p, err := net.SplitHostPort(l.addr)
		if n, perr := strconv.Atoi(p); err != nil || perr != nil || n < 0 || n > 65535 || h != "" && net.ParseIP(h) == nil {
			return Config{}, bad(l.field, "%q is not IP:port", l.addr)
		}
	}
	cfg.ListenTCP, cfg.ListenTLS = f.ListenTCP, f.ListenTLS
	if f.ListenTLS != "" {
		if f.TLSCert == "" || f.TLSKey == "" {
			return Config{}, bad("listenTLS", "SIP over TLS needs tlsCert and tlsKey")
		}
		cert, err := tls.LoadX509KeyPair(f.TLSCert, f.TLSKey)
		if err != nil {
			return Config{}, bad("tlsCert", "%v", err)
		}
		cfg.TLS = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	}
	if f.RTPPorts != "" {
		lo, hi, ok := strings.Cut(f.RTPPorts, "-")
		a, err1 := strconv.Atoi(strings.TrimSpace(lo))
		b, err2 := strconv.Atoi(strings.TrimSpace(hi))
		if !ok || err1 != nil || err2 != nil || a < 1024 || b > 65535 || b-a < 1 {
			return Config{}, bad("rtpPorts", "%q is not a range like 10000-10999 (ports 1024-65535)", f.RTPPorts)
		}
		cfg.RTPPorts = [2]int{a, b}
	}
	cfg.SessionExpires = time.Duration(f.SessionExpires)
	if cfg.SessionExpires != 0 && cfg.SessionExpires < 90*time.Second {
		return Config{}, bad("sessionExpires", "%s is under the 90 s RFC 4028 allows", cfg.SessionExpires)
	}
	var err2 error
	if cfg.Security.AllowCalls, err2 = ParsePrefixes(f.AllowCalls); err2 != nil {
		return Config{}, bad("allowCalls", "%v", err2)
	}
	if cfg.Security.AllowRegister, err2 = ParsePrefixes(f.AllowRegister); err2 != nil {
		return Config{}, bad("allowRegister", "%v", err2)
	}
	if f.MaxAuthFailures < 0 {
		return Config{}, bad("maxAuthFailures", "negative")
	}
	cfg.Security.MaxFailures, cfg.Security.Lockout = f.MaxAuthFailures, time.Duration(f.Lockout)
	cfg.PromptsDir = f.Prompts
	switch f.SRTP {
	case "", "off":
	case SRTPOptional, SRTPRequired:
		cfg.SRTP = f.SRTP
	default:
		return Config{}, bad("srtp", "%q: want off, optional or required", f.SRTP)
	}
	if t := f.Trunk; t != nil {
		if t.URI != "" {
			var u sipmsg.Uri
			if !strings.Contains(t.URI, "{number}") {
				return Config{}, bad("trunk.uri", "%q has no {number}", t.URI)
			}
			if err := sipmsg.ParseUri(strings.ReplaceAll(t.URI, "{number}", "0"), &u); err != nil || u.Host == "" {
				return Config{}, bad("trunk.uri", "%q is not a SIP URI", t.URI)
			}
		}
		addrs, err := ParsePrefixes(t.Addresses)
		if err != nil {
			return Config{}, bad("trunk.addresses", "%v", err)
		}
		if strings.Trim(t.CallerID, "+0123456789") != "" {
			return Config{}, bad("trunk.callerID", "%q is not a telephone number", t.CallerID)
		}
		if (t.InboundUser == "") != (t.InboundPassword == "") {
			return Config{}, bad("trunk.inboundPassword", "inboundUser and inboundPassword go together")
		}
		cfg.Trunk = Trunk{URI: t.URI, Username: t.Username, Password: t.Password, Addresses: addrs, CallerID: t.CallerID,
			InboundUser: t.InboundUser, InboundPassword: t.InboundPassword}
	}
	if r := f.Recording; r != nil && len(r.Queues) > 0 {
		cfg.Recording.Queues = map[string]bool{}
		for _, q := range r.Queues {
			if setup != nil && !queues[q] {
				return Config{}, bad("recording.queues", "no voice queue %q in the telephony configuration", q)
			}
			cfg.Recording.Queues[q] = true
		}
		cfg.Recording.Retention = time.Duration(r.Retention)
		if cfg.Recording.Retention <= 0 {
			return Config{}, bad("recording.retention", "recordings need a retention (e.g. \"720h\"): they are personal data")
		}
		if r.Notice != "" {
			fh, err := os.Open(r.Notice)
			if err != nil {
				return Config{}, bad("recording.notice", "%v", err)
			}
			pcm, err := media.ReadWAV(r.Notice, fh)
			fh.Close()
			if err != nil {
				return Config{}, bad("recording.notice", "%v", err)
			}
			cfg.Recording.Notice = pcm
		}
	}
	return cfg, nil
}

func line(data []byte, offset int64) int {
	if offset > int64(len(data)) {
		offset = int64(len(data))
	}
	return bytes.Count(data[:offset], []byte("\n")) + 1
}
