package web

import (
	"sync"

	"sportello/kb"
	"sportello/web/accesslog"
)

// extras holds each server's issue-5 components until Components has fields for them.
var extras sync.Map // *Server → *extraComponents

type extraComponents struct {
	workflow *kb.Workflow
	reads    *accesslog.Log
}

func (s *Server) extra() *extraComponents {
	v, _ := extras.LoadOrStore(s, &extraComponents{})
	return v.(*extraComponents)
}

// SetWorkflow attaches the pill life cycle (kb.Workflow) to the server; without it the workflow
// API and pages answer 404.
func (s *Server) SetWorkflow(wf *kb.Workflow) { s.extra().workflow = wf }

// SetAccessLog attaches the access log: signed-in reads of pills are recorded, and the report
// of the most read pills is served.
func (s *Server) SetAccessLog(l *accesslog.Log) { s.extra().reads = l }

func (s *Server) workflow() *kb.Workflow    { return s.extra().workflow }
func (s *Server) accessLog() *accesslog.Log { return s.extra().reads }
