package web

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"sort"
	"testing"
	"time"

	"sportello/internal/role"
	"sportello/internal/sqldb/sqldbtest"
)

// BenchmarkTicketCallHTTP is one call at level 1 over HTTP: POST /api/tickets with a new
// citizen, then POST …/answer with a pill; it reports calls per second and the p99 of the pair,
// on SQLite and (under ./test.sh) on PostgreSQL.
func BenchmarkTicketCallHTTP(b *testing.B) {
	b.Run("sqlite", func(b *testing.B) { benchCalls(b, newTicketFixture(b)) })
	b.Run("postgres", func(b *testing.B) { benchCalls(b, newTicketFixtureOn(b, sqldbtest.Postgres(b), b.TempDir())) })
}

func benchCalls(b *testing.B, f *tkFixture) {
	answer := []byte(`{"pill":"` + f.pill.IRI + `"}`)
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		req := httptest.NewRequest(http.MethodPost, "/api/tickets", bytes.NewReader([]byte(
			`{"channel":"phone","description":"Come si paga il bollo?","citizen":{"name":"Prova"}}`)))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Test-Role", string(role.Operator))
		rec := httptest.NewRecorder()
		f.h.ServeHTTP(rec, req)
		if rec.Code != http.StatusCreated {
			b.Fatalf("create: %d %s", rec.Code, rec.Body)
		}
		loc := rec.Header().Get("Location")
		req = httptest.NewRequest(http.MethodPost, loc+"/answer", bytes.NewReader(answer))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Test-Role", string(role.Operator))
		rec = httptest.NewRecorder()
		f.h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("answer: %d %s", rec.Code, rec.Body)
		}
		lat = append(lat, time.Since(start))
	}
	b.StopTimer()
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "calls/s")
}
