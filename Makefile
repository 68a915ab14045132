# EnerTrack — build, test, install.
#   make            release build
#   make test       the whole test suite (same as .ci/run)
#   make demo       try it on the embedded stores
#   make docs       regenerate man pages and completions after changing a command
#   make deb        the Debian package, dist/enertrack_<version>_amd64.deb (scripts/package deb)
#   make install PREFIX=/usr/local [DESTDIR=...]   installs what `make` built; builds nothing itself

PREFIX  ?= /usr/local
DESTDIR ?=
SYSCONFDIR ?= /etc
BIN      = .build/release/enertrack

.PHONY: all build test demo docs deb install uninstall clean

all: build

build:
	scripts/install-deps
	swift build -c release --product enertrack

test:
	scripts/test

demo:
	scripts/demo

docs:
	swift build --product enertrack
	scripts/gen-docs

deb:
	scripts/package deb

install:
	@test -x $(BIN) || { echo "make install: no $(BIN); run 'make' first (install builds nothing, installs no packages)" >&2; exit 1; }
	install -Dm755 $(BIN) $(DESTDIR)$(PREFIX)/bin/enertrack
	install -d $(DESTDIR)$(PREFIX)/share/man/man1
	install -m644 man/*.1 $(DESTDIR)$(PREFIX)/share/man/man1/
	install -Dm644 completions/enertrack.bash $(DESTDIR)$(PREFIX)/share/bash-completion/completions/enertrack
	install -Dm644 completions/_enertrack $(DESTDIR)$(PREFIX)/share/zsh/site-functions/_enertrack
	install -Dm644 completions/enertrack.fish $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d/enertrack.fish
	install -Dm644 systemd/enertrack.sysusers $(DESTDIR)$(PREFIX)/lib/sysusers.d/enertrack.conf
	install -Dm644 systemd/enertrack.tmpfiles $(DESTDIR)$(PREFIX)/lib/tmpfiles.d/enertrack.conf
	install -d $(DESTDIR)$(PREFIX)/lib/systemd/system
	for unit in systemd/*.service systemd/*.timer; do sed 's|/usr/local/bin/enertrack|$(PREFIX)/bin/enertrack|' "$$unit" > $(DESTDIR)$(PREFIX)/lib/systemd/system/$$(basename $$unit); done
	install -Dm644 systemd/enertrack.env.example $(DESTDIR)$(SYSCONFDIR)/enertrack/enertrack.env.example
	# Never overwrite a cron table or env file the sysadmin may have edited.
	[ -e $(DESTDIR)$(SYSCONFDIR)/cron.d/enertrack ] || install -Dm644 cron/enertrack $(DESTDIR)$(SYSCONFDIR)/cron.d/enertrack
	@echo "Installed. Next: systemd-sysusers; systemd-tmpfiles --create; edit $(SYSCONFDIR)/enertrack/enertrack.env"

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/enertrack $(DESTDIR)$(PREFIX)/share/man/man1/enertrack*.1
	rm -f $(DESTDIR)$(PREFIX)/share/bash-completion/completions/enertrack $(DESTDIR)$(PREFIX)/share/zsh/site-functions/_enertrack
	rm -f $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d/enertrack.fish
	rm -f $(DESTDIR)$(PREFIX)/lib/sysusers.d/enertrack.conf $(DESTDIR)$(PREFIX)/lib/tmpfiles.d/enertrack.conf
	rm -f $(DESTDIR)$(PREFIX)/lib/systemd/system/enertrack-*.service $(DESTDIR)$(PREFIX)/lib/systemd/system/enertrack-*.timer
	rm -f $(DESTDIR)$(SYSCONFDIR)/cron.d/enertrack $(DESTDIR)$(SYSCONFDIR)/enertrack/enertrack.env.example

clean:
	rm -rf .build .build-static dist
