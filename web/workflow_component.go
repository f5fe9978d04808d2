package web

import (
	"sportello/accounts/accesslog"
	"sportello/kb"
)

// workflow and accessLog are the issue-5 components; nil when the server runs without them.
func (s *Server) workflow() *kb.Workflow    { return s.deps.Workflow }
func (s *Server) accessLog() *accesslog.Log { return s.deps.AccessLog }
