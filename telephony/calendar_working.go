package telephony

import "time"

// WorkingTime returns the opening time between a and b, counting only opening bands; zero when
// b is not after a. The ticketing SLA clocks use it for the time left or the time overdue
// (SLA-3, TK-16).
func (c *Calendar) WorkingTime(a, b time.Time) time.Duration {
	var total time.Duration
	a, b = a.In(c.Location), b.In(c.Location)
	// The loop ends because day moves forward by one date each turn until it passes b.
	for day := midnight(a); day.Before(b); day = midnight(day.AddDate(0, 0, 1)) {
		for _, band := range c.BandsOn(day) {
			from, to := at(day, band.From), at(day, band.To)
			if from.Before(a) {
				from = a
			}
			if to.After(b) {
				to = b
			}
			if to.After(from) {
				total += to.Sub(from)
			}
		}
	}
	return total
}
