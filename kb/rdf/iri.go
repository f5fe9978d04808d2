package rdf

import "strings"

// resolveIRI resolves the reference ref against base as RFC 3986 section 5.2 says, including
// remove_dot_segments. knakk/rdf concatenates the strings instead, which gets "../x", "?q",
// "#f" and "//host" wrong; the Turtle suite's IRI resolution tests exercise every case.
//
// base is expected to be absolute; if it is empty, or ref is already absolute, ref is returned
// with only its dot segments removed (as 5.2.2 does for a reference with a scheme).
func resolveIRI(base, ref string) string {
	rScheme, rAuth, rHasAuth, rPath, rQuery, rHasQuery, rFrag, rHasFrag := splitIRI(ref)
	if rScheme != "" {
		return joinIRI(rScheme, rAuth, rHasAuth, removeDotSegments(rPath), rQuery, rHasQuery, rFrag, rHasFrag)
	}
	if base == "" {
		return ref
	}
	bScheme, bAuth, bHasAuth, bPath, bQuery, bHasQuery, _, _ := splitIRI(base)
	var tAuth, tPath, tQuery string
	var tHasAuth, tHasQuery bool
	switch {
	case rHasAuth:
		tAuth, tHasAuth = rAuth, true
		tPath = removeDotSegments(rPath)
		tQuery, tHasQuery = rQuery, rHasQuery
	case rPath == "":
		tAuth, tHasAuth = bAuth, bHasAuth
		tPath = bPath
		if rHasQuery {
			tQuery, tHasQuery = rQuery, true
		} else {
			tQuery, tHasQuery = bQuery, bHasQuery
		}
	default:
		tAuth, tHasAuth = bAuth, bHasAuth
		if strings.HasPrefix(rPath, "/") {
			tPath = removeDotSegments(rPath)
		} else {
			tPath = removeDotSegments(mergePaths(bHasAuth, bPath, rPath))
		}
		tQuery, tHasQuery = rQuery, rHasQuery
	}
	return joinIRI(bScheme, tAuth, tHasAuth, tPath, tQuery, tHasQuery, rFrag, rHasFrag)
}

// splitIRI breaks an IRI reference into the five components of RFC 3986 appendix B. The has*
// results tell an empty component ("http://h?#") from an absent one, which matters when
// recomposing.
func splitIRI(s string) (scheme, auth string, hasAuth bool, path, query string, hasQuery bool, frag string, hasFrag bool) {
	if i := strings.IndexByte(s, '#'); i >= 0 {
		frag, hasFrag = s[i+1:], true
		s = s[:i]
	}
	if i := strings.IndexByte(s, '?'); i >= 0 {
		query, hasQuery = s[i+1:], true
		s = s[:i]
	}
	if i := strings.IndexAny(s, ":/"); i > 0 && s[i] == ':' && isSchemeName(s[:i]) {
		scheme = s[:i]
		s = s[i+1:]
	}
	if strings.HasPrefix(s, "//") {
		s = s[2:]
		i := strings.IndexByte(s, '/')
		if i < 0 {
			i = len(s)
		}
		auth, hasAuth = s[:i], true
		s = s[i:]
	}
	return scheme, auth, hasAuth, s, query, hasQuery, frag, hasFrag
}

func isSchemeName(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z':
		case i > 0 && ('0' <= c && c <= '9' || c == '+' || c == '-' || c == '.'):
		default:
			return false
		}
	}
	return s != ""
}

func joinIRI(scheme, auth string, hasAuth bool, path, query string, hasQuery bool, frag string, hasFrag bool) string {
	var b strings.Builder
	if scheme != "" {
		b.WriteString(scheme)
		b.WriteByte(':')
	}
	if hasAuth {
		b.WriteString("//")
		b.WriteString(auth)
	}
	b.WriteString(path)
	if hasQuery {
		b.WriteByte('?')
		b.WriteString(query)
	}
	if hasFrag {
		b.WriteByte('#')
		b.WriteString(frag)
	}
	return b.String()
}

// mergePaths is RFC 3986 section 5.2.3.
func mergePaths(baseHasAuth bool, basePath, ref string) string {
	if baseHasAuth && basePath == "" {
		return "/" + ref
	}
	i := strings.LastIndexByte(basePath, '/')
	if i < 0 {
		return ref
	}
	return basePath[:i+1] + ref
}

// removeDotSegments is RFC 3986 section 5.2.4.
func removeDotSegments(in string) string {
	if !strings.Contains(in, ".") {
		return in
	}
	var out []string // output segments, each starting with "/" except possibly the first
	for in != "" {
		switch {
		case strings.HasPrefix(in, "../"):
			in = in[3:]
		case strings.HasPrefix(in, "./"):
			in = in[2:]
		case strings.HasPrefix(in, "/./"):
			in = in[2:]
		case in == "/.":
			in = "/"
		case strings.HasPrefix(in, "/../"):
			in = in[3:]
			if len(out) > 0 {
				out = out[:len(out)-1]
			}
		case in == "/..":
			in = "/"
			if len(out) > 0 {
				out = out[:len(out)-1]
			}
		case in == "." || in == "..":
			in = ""
		default:
			start := 0
			if in[0] == '/' {
				start = 1
			}
			i := strings.IndexByte(in[start:], '/')
			if i < 0 {
				i = len(in)
			} else {
				i += start
			}
			out = append(out, in[:i])
			in = in[i:]
		}
	}
	return strings.Join(out, "")
}
