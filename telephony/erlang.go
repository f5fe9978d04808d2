package telephony

import (
	"errors"
	"math"
	"time"
)

// ErlangC is a staffing model for one queue: Calls arrive in Interval, each takes HandleTime
// (talk plus wrap-up), and the target is answering within Target.
type ErlangC struct {
	Calls      float64
	Interval   time.Duration
	HandleTime time.Duration
	Target     time.Duration
}

// Traffic returns the offered load in Erlangs.
func (m ErlangC) Traffic() float64 {
	if m.Interval <= 0 {
		return 0
	}
	return m.Calls / m.Interval.Seconds() * m.HandleTime.Seconds()
}

// ProbWait returns the probability that a call waits with n operators (Erlang's C formula),
// computed through the Erlang B recursion, which stays stable for large n. It is 1 when n does
// not exceed the traffic: the queue grows without bound.
func (m ErlangC) ProbWait(n int) float64 {
	a := m.Traffic()
	if n <= 0 || float64(n) <= a {
		return 1
	}
	b := 1.0
	for k := 1; k <= n; k++ {
		b = a * b / (float64(k) + a*b)
	}
	rho := a / float64(n)
	return b / (1 - rho + rho*b)
}

// ServiceLevel returns the fraction of calls answered within Target with n operators.
func (m ErlangC) ServiceLevel(n int) float64 {
	a := m.Traffic()
	if float64(n) <= a {
		return 0
	}
	return 1 - m.ProbWait(n)*math.Exp(-(float64(n)-a)*m.Target.Seconds()/m.HandleTime.Seconds())
}

// ASA returns the average speed of answer with n operators.
func (m ErlangC) ASA(n int) time.Duration {
	a := m.Traffic()
	if float64(n) <= a {
		return time.Duration(math.MaxInt64)
	}
	s := m.ProbWait(n) * m.HandleTime.Seconds() / (float64(n) - a)
	return time.Duration(s * float64(time.Second))
}

// Operators returns the fewest operators that reach serviceLevel (a fraction, e.g. 0.8) within
// Target.
func (m ErlangC) Operators(serviceLevel float64) (int, error) {
	if m.Interval <= 0 || m.HandleTime <= 0 || m.Calls < 0 {
		return 0, errors.New("telephony: Erlang C needs a positive interval and handle time")
	}
	if serviceLevel <= 0 || serviceLevel >= 1 {
		return 0, errors.New("telephony: Erlang C target service level must be between 0 and 1")
	}
	n := int(math.Floor(m.Traffic())) + 1
	for ; n < 1_000_000; n++ {
		if m.ServiceLevel(n) >= serviceLevel {
			return n, nil
		}
	}
	return 0, errors.New("telephony: Erlang C found no staffing level")
}
