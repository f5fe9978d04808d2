package webkit

import (
	"context"
	"crypto/tls"
	"net/http"
	"net/http/httptest"
	"sportello/accounts"
	"strings"
	"testing"
	"time"
)

func TestSessionCookieFlags(t *testing.T) {
	sess := &accounts.Session{LastSeen: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}
	sess.Expires = sess.LastSeen.Add(12 * time.Hour)
	for _, tc := range []struct {
		name   string
		req    func() *http.Request
		secure bool
	}{
		{"plain HTTP", func() *http.Request { return httptest.NewRequest("POST", "http://sportello.local/accedi", nil) }, false},
		{"TLS", func() *http.Request {
			r := httptest.NewRequest("POST", "https://sportello.local/accedi", nil)
			r.TLS = &tls.ConnectionState{}
			return r
		}, true},
		{"behind a TLS proxy", func() *http.Request {
			r := httptest.NewRequest("POST", "http://sportello.local/accedi", nil)
			r.Header.Set("X-Forwarded-Proto", "HTTPS")
			return r
		}, true},
		{"proxy over plain HTTP", func() *http.Request {
			r := httptest.NewRequest("POST", "http://sportello.local/accedi", nil)
			r.Header.Set("X-Forwarded-Proto", "http")
			return r
		}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := tc.req()
			rec := httptest.NewRecorder()
			http.SetCookie(rec, SessionCookie(r, "tok", sess))
			line := rec.Header().Get("Set-Cookie")
			for _, want := range []string{"sportello_session=tok", "Path=/", "HttpOnly", "SameSite=Lax", "Max-Age=43200"} {
				if !strings.Contains(line, want) {
					t.Errorf("Set-Cookie %q lacks %q", line, want)
				}
			}
			if got := strings.Contains(line, "Secure"); got != tc.secure {
				t.Errorf("Set-Cookie %q: Secure = %v, want %v", line, got, tc.secure)
			}
			rec = httptest.NewRecorder()
			http.SetCookie(rec, ClearCookie(r))
			if line := rec.Header().Get("Set-Cookie"); !strings.Contains(line, "Max-Age=0") || !strings.Contains(line, "HttpOnly") {
				t.Errorf("clearing Set-Cookie %q", line)
			}
		})
	}
}

func TestTokenFrom(t *testing.T) {
	r := httptest.NewRequest("GET", "/", nil)
	if TokenFrom(r) != "" {
		t.Error("token without a cookie")
	}
	r.AddCookie(&http.Cookie{Name: CookieName, Value: "abc"})
	if TokenFrom(r) != "abc" {
		t.Error("cookie token not read")
	}
}

func TestCSRFFrom(t *testing.T) {
	for _, tc := range []struct {
		name, ctype, body, header, want string
	}{
		{"header", "application/json", `{"csrf_token":"no"}`, "h1", "h1"},
		{"form field", "application/x-www-form-urlencoded", "a=1&csrf_token=f1", "", "f1"},
		{"header wins", "application/x-www-form-urlencoded", "csrf_token=f1", "h1", "h1"},
		{"JSON body is not read", "application/json", `{"csrf_token":"j1"}`, "", ""},
		{"query string does not count", "application/x-www-form-urlencoded", "", "", ""},
		{"multipart", "multipart/form-data; boundary=XX", "--XX\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\nm1\r\n--XX--\r\n", "", "m1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest("POST", "/schede?csrf_token=q1", strings.NewReader(tc.body))
			r.Header.Set("Content-Type", tc.ctype)
			if tc.header != "" {
				r.Header.Set(CSRFHeader, tc.header)
			}
			if got := CSRFFrom(r); got != tc.want {
				t.Errorf("CSRFFrom = %q, want %q", got, tc.want)
			}
		})
	}
	// Reading the token leaves the form to the handler.
	r := httptest.NewRequest("POST", "/", strings.NewReader("csrf_token=f1&name=x"))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	CSRFFrom(r)
	if r.FormValue("name") != "x" {
		t.Error("form fields lost after reading the token")
	}
}

func TestUnsafe(t *testing.T) {
	for m, want := range map[string]bool{"GET": false, "HEAD": false, "OPTIONS": false, "POST": true, "PUT": true, "PATCH": true, "DELETE": true} {
		if Unsafe(m) != want {
			t.Errorf("Unsafe(%s) = %v", m, !want)
		}
	}
}

func TestCheckOrigin(t *testing.T) {
	for _, tc := range []struct {
		name    string
		headers map[string]string
		ok      bool
	}{
		{"no headers (curl)", nil, true},
		{"same origin", map[string]string{"Origin": "http://sportello.local:8080", "Sec-Fetch-Site": "same-origin"}, true},
		{"other site by Origin", map[string]string{"Origin": "https://evil.example"}, false},
		{"other site by Sec-Fetch-Site", map[string]string{"Sec-Fetch-Site": "cross-site"}, false},
		{"opaque origin", map[string]string{"Origin": "null"}, false},
		{"proxy host", map[string]string{"Origin": "https://sportello.valdoria.example", "X-Forwarded-Host": "sportello.valdoria.example"}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest("POST", "http://sportello.local:8080/accedi", nil)
			for k, v := range tc.headers {
				r.Header.Set(k, v)
			}
			if err := CheckOrigin(r); (err == nil) != tc.ok {
				t.Errorf("CheckOrigin = %v, want ok=%v", err, tc.ok)
			}
		})
	}
}

func TestClientIP(t *testing.T) {
	r := httptest.NewRequest("GET", "/", nil)
	r.RemoteAddr = "192.0.2.10:5555"
	r.Header.Set("X-Forwarded-For", "203.0.113.1, 198.51.100.2")
	if got := ClientIP(r, false); got != "192.0.2.10" {
		t.Errorf("ClientIP without proxy = %s", got)
	}
	if got := ClientIP(r, true); got != "198.51.100.2" {
		t.Errorf("ClientIP behind proxy = %s", got)
	}
	r.Header.Set("X-Forwarded-For", "garbage")
	if got := ClientIP(r, true); got != "192.0.2.10" {
		t.Errorf("ClientIP with a bad header = %s", got)
	}
}

func TestContext(t *testing.T) {
	if FromContext(context.Background()) != nil {
		t.Error("session in an empty context")
	}
	s := &accounts.Session{CSRF: "x"}
	if FromContext(NewContext(context.Background(), s)) != s {
		t.Error("session lost")
	}
}
