package web

import (
	"fmt"
	"net/http"
	"testing"

	"sportello/internal/role"
	"sportello/telephony"
)

// BenchmarkCTISnapshotAPI: GET /api/cti/snapshot, the supervisor page's data.
func BenchmarkCTISnapshotAPI(b *testing.B) {
	ct := newCTITest(b)
	ct.acd.Login("test-operator")
	for i := 0; i < 20; i++ {
		ct.acd.Arrive(telephony.ContactInfo{CallID: fmt.Sprintf("s%d", i), From: "0544950111"}, "centralino")
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if r := ct.call(b, http.MethodGet, "/api/cti/snapshot", role.Supervisor, "", nil); r.Status != http.StatusOK {
			b.Fatal(r.Status)
		}
	}
}
