#!/usr/bin/env bash
# The whole test suite, on a clean Debian machine: installs the real peers the tests use
# (rapper, roqet, rdflib, vobject, Chromium, SIPp, Kamailio, tshark, PostgreSQL, LibreOffice, slapd,
# the Italian thesaurus and dictionary) when missing, starts a throwaway PostgreSQL, then runs every Go test. Missing peers fail the tests here, never skip them.
set -euo pipefail
cd "$(dirname "$0")"

need=()
command -v rapper >/dev/null || need+=(raptor2-utils)
command -v roqet >/dev/null || need+=(rasqal-utils)
/usr/bin/python3 -c 'import rdflib' 2>/dev/null || need+=(python3-rdflib)
/usr/bin/python3 -c 'import vobject' 2>/dev/null || need+=(python3-vobject)
/usr/bin/python3 -c 'import SPARQLWrapper' 2>/dev/null || need+=(python3-sparqlwrapper)  # the SPARQL endpoint's client test
command -v curl >/dev/null || need+=(curl)  # the Graph Store's client tests
[ -x /usr/bin/chromium ] || need+=(chromium)
command -v sipp >/dev/null || need+=(sip-tester)
# telephony: the PBX stand-in, the RTP capture, the Italian prompts and speech synthesis
command -v kamailio >/dev/null || need+=(kamailio)
command -v tshark >/dev/null || need+=(tshark)
command -v espeak-ng >/dev/null || need+=(espeak-ng)
[ -f /usr/share/asterisk/sounds/it_IT_m_Carlo/queue-thereare.wav ] || need+=(asterisk-core-sounds-it-wav)
compgen -G '/usr/lib/postgresql/*/bin/postgres' >/dev/null || need+=(postgresql)
command -v soffice >/dev/null || need+=(libreoffice-calc-nogui)  # ingest: real .xls and .ods
command -v npm >/dev/null || need+=(npm)  # web: axe-core for the accessibility sweep
# accounts: staff login through a real LDAP directory (a private slapd per test, filled with ldapadd)
[ -x /usr/sbin/slapd ] || need+=(slapd)
command -v ldapadd >/dev/null || need+=(ldap-utils)
[ -f /usr/share/mythes/th_it_IT_v2.dat ] || need+=(mythes-it)     # search: Italian thesaurus
[ -f /usr/share/hunspell/it_IT.dic ] || need+=(hunspell-it)       # search: Italian dictionary
if [ ${#need[@]} -gt 0 ]; then
  echo "test.sh: installing ${need[*]}"
  sudo=""; [ "$(id -u)" = 0 ] || sudo=sudo
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

# axe-core (npm), pinned by web/testdata/a11y/package-lock.json, installed with npm ci into a
# cache folder outside the repository; the accessibility sweep of package web injects it.
a11y="${XDG_CACHE_HOME:-$HOME/.cache}/sportello/a11y"
if ! cmp -s web/testdata/a11y/package-lock.json "$a11y/package-lock.json" || [ ! -f "$a11y/node_modules/axe-core/axe.min.js" ]; then
  mkdir -p "$a11y"
  cp web/testdata/a11y/package.json web/testdata/a11y/package-lock.json "$a11y/"
  (cd "$a11y" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
fi
export SPORTELLO_AXE="$a11y/node_modules/axe-core/axe.min.js"

# A throwaway PostgreSQL on a private socket, owned by an unprivileged user (postgres refuses
# to run as root), removed when the tests end.
pgbin=$(dirname "$(compgen -G '/usr/lib/postgresql/*/bin/postgres' | sort -V | tail -n 1)")
pgdir=$(mktemp -d /tmp/sportello-pg.XXXXXX)
pgport=$((20000 + RANDOM % 20000))
runas=""
if [ "$(id -u)" = 0 ]; then chown postgres "$pgdir"; runas="runuser -u postgres --"; fi
$runas "$pgbin/initdb" -D "$pgdir/data" -U sportello --auth=trust -E UTF8 >/dev/null
$runas "$pgbin/pg_ctl" -D "$pgdir/data" -o "-k $pgdir -p $pgport -c listen_addresses=''" -l "$pgdir/log" -w start >/dev/null
trap '$runas "$pgbin/pg_ctl" -D "$pgdir/data" -m immediate stop >/dev/null 2>&1; rm -rf "$pgdir"' EXIT
export SPORTELLO_TEST_POSTGRES="postgres://sportello@/postgres?host=$pgdir&port=$pgport&sslmode=disable"
export SPORTELLO_TEST_STRICT=1
# Tests append what they measure (conformance pass rates, search evaluation) here; go test hides
# the output of passing packages, so the figures are printed at the end.
export SPORTELLO_TEST_FIGURES="$pgdir/figures.txt"

go vet ./...
status=0
go test -count=1 -timeout 60m "$@" ./... || status=$?
if [ -s "$SPORTELLO_TEST_FIGURES" ]; then
  echo
  echo "Figures measured by the tests:"
  sed 's/^/  /' "$SPORTELLO_TEST_FIGURES"
fi
exit $status
