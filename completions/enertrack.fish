function __enertrack_should_offer_completions_for_flags_or_options -a expected_commands
    set -l non_repeating_flags_or_options $argv[2..]
    set -l non_repeating_flags_or_options_absent 0
    set -l positional_index 0
    set -l commands
    __enertrack_parse_tokens
    test "$commands" = "$expected_commands"; and return $non_repeating_flags_or_options_absent
end

function __enertrack_should_offer_completions_for_positional -a expected_commands positional_index_comparison expected_positional_index
    set -l non_repeating_flags_or_options
    set -l non_repeating_flags_or_options_absent 0
    set -l positional_index 0
    set -l commands
    __enertrack_parse_tokens
    test "$commands" = "$expected_commands" -a \( "$positional_index" "$positional_index_comparison" "$expected_positional_index" \)
end

function __enertrack_parse_tokens -S
    set -l unparsed_tokens (__enertrack_tokens -pc)
    switch $unparsed_tokens[1]
    case 'enertrack'
        __enertrack_parse_subcommand 0 'version' 'h/help'
        switch $unparsed_tokens[1]
        case 'user'
            __enertrack_parse_subcommand 0 'version' 'h/help'
            switch $unparsed_tokens[1]
            case 'add'
                __enertrack_parse_subcommand 1 'config=' 'data-dir=' 'email=' 'name=' 'admin' 'password-stdin' 'json' 'version' 'h/help'
            case 'list'
                __enertrack_parse_subcommand 0 'config=' 'data-dir=' 'all' 'json' 'version' 'h/help'
            case 'show'
                __enertrack_parse_subcommand 1 'config=' 'data-dir=' 'json' 'version' 'h/help'
            case 'passwd'
                __enertrack_parse_subcommand 1 'config=' 'data-dir=' 'password-stdin' 'version' 'h/help'
            case 'disable'
                __enertrack_parse_subcommand 1 'config=' 'data-dir=' 'json' 'version' 'h/help'
            case 'enable'
                __enertrack_parse_subcommand 1 'config=' 'data-dir=' 'json' 'version' 'h/help'
            case 'remove'
                __enertrack_parse_subcommand 1 'config=' 'data-dir=' 'json' 'version' 'h/help'
            end
        case 'node'
            __enertrack_parse_subcommand 0 'version' 'h/help'
            switch $unparsed_tokens[1]
            case 'add'
                __enertrack_parse_subcommand 1 'config=' 'data-dir=' 'name=' 'description=' 'json' 'version' 'h/help'
            case 'edit'
                __enertrack_parse_subcommand 1 'config=' 'data-dir=' 'name=' 'description=' 'json' 'version' 'h/help'
            case 'list'
                __enertrack_parse_subcommand 0 'config=' 'data-dir=' 'all' 'json' 'version' 'h/help'
            case 'show'
                __enertrack_parse_subcommand 1 'config=' 'data-dir=' 'json' 'version' 'h/help'
            case 'remove'
                __enertrack_parse_subcommand 1 'config=' 'data-dir=' 'json' 'version' 'h/help'
            case 'restore'
                __enertrack_parse_subcommand 1 'config=' 'data-dir=' 'json' 'version' 'h/help'
            end
        case 'assign'
            __enertrack_parse_subcommand 0 'version' 'h/help'
            switch $unparsed_tokens[1]
            case 'add'
                __enertrack_parse_subcommand 2 'config=' 'data-dir=' 'location=' 'json' 'version' 'h/help'
            case 'remove'
                __enertrack_parse_subcommand 2 'config=' 'data-dir=' 'json' 'version' 'h/help'
            case 'set'
                __enertrack_parse_subcommand 2 'config=' 'data-dir=' 'location=' 'json' 'version' 'h/help'
            case 'list'
                __enertrack_parse_subcommand 0 'config=' 'data-dir=' 'user=' 'node=' 'all' 'json' 'version' 'h/help'
            end
        case 'config'
            __enertrack_parse_subcommand 0 'version' 'h/help'
            switch $unparsed_tokens[1]
            case 'show'
                __enertrack_parse_subcommand 0 'config=' 'data-dir=' 'json' 'version' 'h/help'
            end
        case 'db'
            __enertrack_parse_subcommand 0 'version' 'h/help'
            switch $unparsed_tokens[1]
            case 'migrate'
                __enertrack_parse_subcommand 0 'config=' 'data-dir=' 'dry-run' 'version' 'h/help'
            case 'status'
                __enertrack_parse_subcommand 0 'config=' 'data-dir=' 'json' 'version' 'h/help'
            case 'rollup'
                __enertrack_parse_subcommand 0 'config=' 'data-dir=' 'rebuild' 'from=' 'version' 'h/help'
            end
        case 'ingest'
            __enertrack_parse_subcommand 0 'config=' 'data-dir=' 'share=' 'tasmota' 'known-only' 'spool-max=' 'client-id=' 'metrics-listen=' 'verbose' 'version' 'h/help'
        case 'import'
            __enertrack_parse_subcommand 1 'config=' 'data-dir=' 'format=' 'known-only' 'json' 'version' 'h/help'
        case 'simulate'
            __enertrack_parse_subcommand 0 'config=' 'data-dir=' 'nodes=' 'rate=' 'duration=' 'format=' 'qos=' 'node-prefix=' 'version' 'h/help'
        case 'serve'
            __enertrack_parse_subcommand -r 1 'version' 'h/help'
        case 'report'
            __enertrack_parse_subcommand 0 'version' 'h/help'
            switch $unparsed_tokens[1]
            case 'consumption'
                __enertrack_parse_subcommand 0 'config=' 'data-dir=' 'by=' 'node=+' 'user=' 'from=' 'to=' 'tz=' 'total' 'format=' 'version' 'h/help'
            case 'kpi'
                __enertrack_parse_subcommand 0 'config=' 'data-dir=' 'node=+' 'user=' 'window=' 'json' 'version' 'h/help'
            case 'status'
                __enertrack_parse_subcommand 0 'config=' 'data-dir=' 'user=' 'inactive-after=' 'all' 'check' 'json' 'version' 'h/help'
            case 'readings'
                __enertrack_parse_subcommand 0 'config=' 'data-dir=' 'node=' 'from=' 'to=' 'format=' 'version' 'h/help'
            end
        case 'alerts'
            __enertrack_parse_subcommand -r 1 'version' 'h/help'
        case 'telegram'
            __enertrack_parse_subcommand -r 1 'version' 'h/help'
        case 'demo'
            __enertrack_parse_subcommand 0 'dir=' 'version' 'h/help'
        case 'help'
            __enertrack_parse_subcommand -r 1 'version'
        end
    end
end

function __enertrack_tokens
    if test (string split -m 1 -f 1 -- . "$FISH_VERSION") -gt 3
        commandline --tokens-raw $argv
    else
        commandline -o $argv
    end
end

function __enertrack_parse_subcommand -S -a positional_count
    argparse -s r -- $argv
    set -l option_specs $argv[2..]
    set -l is_repeating_positional $_flag_r
    set -el _flag_r
    set -a commands $unparsed_tokens[1]
    set positional_index 0
    while true
        set -e unparsed_tokens[1]
        argparse -sn "$commands" $option_specs -- $unparsed_tokens 2> /dev/null
        set unparsed_tokens $argv
        set positional_index (math $positional_index + 1)
        for non_repeating_flag_or_option in $non_repeating_flags_or_options
            if set -ql "_flag_$(string replace -a - _ -- $non_repeating_flag_or_option)"
                set non_repeating_flags_or_options_absent 1
                break
            end
        end
        test (count $unparsed_tokens) -eq 0 -o \( -z "$is_repeating_positional" -a "$positional_index" -gt "$positional_count" \) && break
    end
end

function __enertrack_complete_directories
    set -l token (commandline -t)
    string match -- '*/' $token
    set -l subdirs $token*/
    printf %s\n $subdirs
end

function __enertrack_custom_completion
    set -x SAP_SHELL fish
    set -x SAP_SHELL_VERSION $FISH_VERSION
    set -l tokens (__enertrack_tokens -p)
    if test -z "$(__enertrack_tokens -t)"
        set -l index (count (__enertrack_tokens -pc))
        set tokens $tokens[..$index] \'\' $tokens[(math $index + 1)..]
    end
    command $tokens[1] $argv $tokens
end

complete -c 'enertrack' -f
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack" version' -l 'version' -d 'Show the version.'
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_positional "enertrack" -eq 1' -fa 'user' -d 'Create, list, change and remove users.'
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_positional "enertrack" -eq 1' -fa 'node' -d 'Register, list, edit and remove ESP32 meters.'
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_positional "enertrack" -eq 1' -fa 'assign' -d 'Give users access to meters (the UsuariosNodos table).'
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_positional "enertrack" -eq 1' -fa 'config' -d 'Show the effective configuration.'
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_positional "enertrack" -eq 1' -fa 'db' -d 'Create or upgrade the database schema and show its state.'
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_positional "enertrack" -eq 1' -fa 'ingest' -d 'Consume meter readings from MQTT over TLS into the series store (long-running, systemd).'
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_positional "enertrack" -eq 1' -fa 'import' -d 'Backfill readings from a CSV or InfluxDB line-protocol file into the series store.'
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_positional "enertrack" -eq 1' -fa 'simulate' -d 'Publish realistic readings of simulated meters to the configured broker (demos, load tests).'
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_positional "enertrack" -eq 1' -fa 'serve' -d 'Run the web dashboard and JSON API (default port 8006; long-running, systemd).'
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_positional "enertrack" -eq 1' -fa 'report' -d 'Readings, consumption, KPIs and node status as a table, CSV or JSON.'
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_positional "enertrack" -eq 1' -fa 'alerts' -d 'Power thresholds per user and meter, and the Telegram alert check run by cron.'
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_positional "enertrack" -eq 1' -fa 'telegram' -d 'Link users\' Telegram chats and run the bot.'
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_positional "enertrack" -eq 1' -fa 'demo' -d 'Try EnerTrack on the embedded stores: a demo admin, five meters and their assignments.'
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_positional "enertrack" -eq 1' -fa 'help' -d 'Show subcommand help information.'
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack user" version' -l 'version' -d 'Show the version.'
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack user" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_positional "enertrack user" -eq 1' -fa 'add' -d 'Create a user.'
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_positional "enertrack user" -eq 1' -fa 'list' -d 'List users.'
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_positional "enertrack user" -eq 1' -fa 'show' -d 'Show one user.'
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_positional "enertrack user" -eq 1' -fa 'passwd' -d 'Set a user\'s password.'
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_positional "enertrack user" -eq 1' -fa 'disable' -d 'Stop a user from logging in; nothing else changes.'
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_positional "enertrack user" -eq 1' -fa 'enable' -d 'Let a disabled or removed user log in again.'
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_positional "enertrack user" -eq 1' -fa 'remove' -d 'Remove a user (logically: kept with its history, assignments made inactive).'
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack user add" config' -l 'config' -d 'Env file to read (KEY=value lines).' -rfka ''
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack user add" data-dir' -l 'data-dir' -d 'Directory of the embedded stores (ENERTRACK_DATA_DIR).' -rfka ''
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack user add" email' -l 'email' -d 'Email address (unique).' -rfka ''
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack user add" name' -l 'name' -d 'Full name shown in the dashboard.' -rfka ''
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack user add" admin' -l 'admin' -d 'Make the user an administrator.'
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack user add" password-stdin' -l 'password-stdin' -d 'Read the password from the first line of standard input.'
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack user add" json' -l 'json' -d 'Print a JSON array of objects (sorted keys) instead of a table.'
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack user add" version' -l 'version' -d 'Show the version.'
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack user add" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack user list" config' -l 'config' -d 'Env file to read (KEY=value lines).' -rfka ''
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack user list" data-dir' -l 'data-dir' -d 'Directory of the embedded stores (ENERTRACK_DATA_DIR).' -rfka ''
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack user list" all' -l 'all' -d 'Include removed users.'
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack user list" json' -l 'json' -d 'Print a JSON array of objects (sorted keys) instead of a table.'
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack user list" version' -l 'version' -d 'Show the version.'
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack user list" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack user show" config' -l 'config' -d 'Env file to read (KEY=value lines).' -rfka ''
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack user show" data-dir' -l 'data-dir' -d 'Directory of the embedded stores (ENERTRACK_DATA_DIR).' -rfka ''
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack user show" json' -l 'json' -d 'Print a JSON array of objects (sorted keys) instead of a table.'
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack user show" version' -l 'version' -d 'Show the version.'
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack user show" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack user passwd" config' -l 'config' -d 'Env file to read (KEY=value lines).' -rfka ''
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack user passwd" data-dir' -l 'data-dir' -d 'Directory of the embedded stores (ENERTRACK_DATA_DIR).' -rfka ''
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack user passwd" password-stdin' -l 'password-stdin' -d 'Read the password from the first line of standard input.'
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack user passwd" version' -l 'version' -d 'Show the version.'
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack user passwd" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack user disable" config' -l 'config' -d 'Env file to read (KEY=value lines).' -rfka ''
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack user disable" data-dir' -l 'data-dir' -d 'Directory of the embedded stores (ENERTRACK_DATA_DIR).' -rfka ''
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack user disable" json' -l 'json' -d 'Print a JSON array of objects (sorted keys) instead of a table.'
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack user disable" version' -l 'version' -d 'Show the version.'
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack user disable" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack user enable" config' -l 'config' -d 'Env file to read (KEY=value lines).' -rfka ''
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack user enable" data-dir' -l 'data-dir' -d 'Directory of the embedded stores (ENERTRACK_DATA_DIR).' -rfka ''
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack user enable" json' -l 'json' -d 'Print a JSON array of objects (sorted keys) instead of a table.'
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack user enable" version' -l 'version' -d 'Show the version.'
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack user enable" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack user remove" config' -l 'config' -d 'Env file to read (KEY=value lines).' -rfka ''
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack user remove" data-dir' -l 'data-dir' -d 'Directory of the embedded stores (ENERTRACK_DATA_DIR).' -rfka ''
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack user remove" json' -l 'json' -d 'Print a JSON array of objects (sorted keys) instead of a table.'
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack user remove" version' -l 'version' -d 'Show the version.'
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack user remove" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack node" version' -l 'version' -d 'Show the version.'
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack node" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_positional "enertrack node" -eq 1' -fa 'add' -d 'Register a meter by its ESP id (the MQTT topic segment).'
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_positional "enertrack node" -eq 1' -fa 'edit' -d 'Change a meter\'s name or description.'
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_positional "enertrack node" -eq 1' -fa 'list' -d 'List meters.'
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_positional "enertrack node" -eq 1' -fa 'show' -d 'Show one meter.'
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_positional "enertrack node" -eq 1' -fa 'remove' -d 'Remove a meter (logically: activo = 0; its readings and assignments are kept).'
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_positional "enertrack node" -eq 1' -fa 'restore' -d 'Make a removed or self-registered meter active again.'
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack node add" config' -l 'config' -d 'Env file to read (KEY=value lines).' -rfka ''
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack node add" data-dir' -l 'data-dir' -d 'Directory of the embedded stores (ENERTRACK_DATA_DIR).' -rfka ''
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack node add" name' -l 'name' -d 'Short name shown in lists and the dashboard.' -rfka ''
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack node add" description' -l 'description' -d 'Longer description.' -rfka ''
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack node add" json' -l 'json' -d 'Print a JSON array of objects (sorted keys) instead of a table.'
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack node add" version' -l 'version' -d 'Show the version.'
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack node add" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack node edit" config' -l 'config' -d 'Env file to read (KEY=value lines).' -rfka ''
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack node edit" data-dir' -l 'data-dir' -d 'Directory of the embedded stores (ENERTRACK_DATA_DIR).' -rfka ''
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack node edit" name' -l 'name' -d 'New name.' -rfka ''
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack node edit" description' -l 'description' -d 'New description.' -rfka ''
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack node edit" json' -l 'json' -d 'Print a JSON array of objects (sorted keys) instead of a table.'
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack node edit" version' -l 'version' -d 'Show the version.'
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack node edit" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack node list" config' -l 'config' -d 'Env file to read (KEY=value lines).' -rfka ''
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack node list" data-dir' -l 'data-dir' -d 'Directory of the embedded stores (ENERTRACK_DATA_DIR).' -rfka ''
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack node list" all' -l 'all' -d 'Include removed and not yet registered meters.'
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack node list" json' -l 'json' -d 'Print a JSON array of objects (sorted keys) instead of a table.'
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack node list" version' -l 'version' -d 'Show the version.'
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack node list" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack node show" config' -l 'config' -d 'Env file to read (KEY=value lines).' -rfka ''
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack node show" data-dir' -l 'data-dir' -d 'Directory of the embedded stores (ENERTRACK_DATA_DIR).' -rfka ''
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack node show" json' -l 'json' -d 'Print a JSON array of objects (sorted keys) instead of a table.'
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack node show" version' -l 'version' -d 'Show the version.'
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack node show" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack node remove" config' -l 'config' -d 'Env file to read (KEY=value lines).' -rfka ''
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack node remove" data-dir' -l 'data-dir' -d 'Directory of the embedded stores (ENERTRACK_DATA_DIR).' -rfka ''
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack node remove" json' -l 'json' -d 'Print a JSON array of objects (sorted keys) instead of a table.'
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack node remove" version' -l 'version' -d 'Show the version.'
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack node remove" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack node restore" config' -l 'config' -d 'Env file to read (KEY=value lines).' -rfka ''
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack node restore" data-dir' -l 'data-dir' -d 'Directory of the embedded stores (ENERTRACK_DATA_DIR).' -rfka ''
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack node restore" json' -l 'json' -d 'Print a JSON array of objects (sorted keys) instead of a table.'
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack node restore" version' -l 'version' -d 'Show the version.'
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack node restore" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack assign" version' -l 'version' -d 'Show the version.'
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack assign" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_positional "enertrack assign" -eq 1' -fa 'add' -d 'Assign a meter to a user, or reactivate a removed assignment.'
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_positional "enertrack assign" -eq 1' -fa 'remove' -d 'Take a meter away from a user (logically: activo = 0).'
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_positional "enertrack assign" -eq 1' -fa 'set' -d 'Change the location of an active assignment.'
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_positional "enertrack assign" -eq 1' -fa 'list' -d 'List assignments.'
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack assign add" config' -l 'config' -d 'Env file to read (KEY=value lines).' -rfka ''
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack assign add" data-dir' -l 'data-dir' -d 'Directory of the embedded stores (ENERTRACK_DATA_DIR).' -rfka ''
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack assign add" location' -l 'location' -d 'Where the meter is, as this user calls it.' -rfka ''
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack assign add" json' -l 'json' -d 'Print a JSON array of objects (sorted keys) instead of a table.'
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack assign add" version' -l 'version' -d 'Show the version.'
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack assign add" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack assign remove" config' -l 'config' -d 'Env file to read (KEY=value lines).' -rfka ''
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack assign remove" data-dir' -l 'data-dir' -d 'Directory of the embedded stores (ENERTRACK_DATA_DIR).' -rfka ''
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack assign remove" json' -l 'json' -d 'Print a JSON array of objects (sorted keys) instead of a table.'
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack assign remove" version' -l 'version' -d 'Show the version.'
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack assign remove" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack assign set" config' -l 'config' -d 'Env file to read (KEY=value lines).' -rfka ''
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack assign set" data-dir' -l 'data-dir' -d 'Directory of the embedded stores (ENERTRACK_DATA_DIR).' -rfka ''
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack assign set" location' -l 'location' -d 'New location.' -rfka ''
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack assign set" json' -l 'json' -d 'Print a JSON array of objects (sorted keys) instead of a table.'
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack assign set" version' -l 'version' -d 'Show the version.'
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack assign set" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack assign list" config' -l 'config' -d 'Env file to read (KEY=value lines).' -rfka ''
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack assign list" data-dir' -l 'data-dir' -d 'Directory of the embedded stores (ENERTRACK_DATA_DIR).' -rfka ''
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack assign list" user' -l 'user' -d 'Only this user\'s assignments.' -rfka ''
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack assign list" node' -l 'node' -d 'Only this meter\'s assignments.' -rfka ''
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack assign list" all' -l 'all' -d 'Include removed assignments.'
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack assign list" json' -l 'json' -d 'Print a JSON array of objects (sorted keys) instead of a table.'
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack assign list" version' -l 'version' -d 'Show the version.'
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack assign list" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack config" version' -l 'version' -d 'Show the version.'
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack config" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_positional "enertrack config" -eq 1' -fa 'show' -d 'Print every setting, its effective value and where it came from.'
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack config show" config' -l 'config' -d 'Env file to read (KEY=value lines).' -rfka ''
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack config show" data-dir' -l 'data-dir' -d 'Directory of the embedded stores (ENERTRACK_DATA_DIR).' -rfka ''
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack config show" json' -l 'json' -d 'Print a JSON array of objects (sorted keys) instead of a table.'
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack config show" version' -l 'version' -d 'Show the version.'
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack config show" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack db" version' -l 'version' -d 'Show the version.'
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack db" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_positional "enertrack db" -eq 1' -fa 'migrate' -d 'Apply pending schema migrations to the directory store.'
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_positional "enertrack db" -eq 1' -fa 'status' -d 'Show the schema version, applied and pending migrations.'
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_positional "enertrack db" -eq 1' -fa 'rollup' -d 'Rebuild the consumption rollups of the embedded series store from its raw readings.'
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack db migrate" config' -l 'config' -d 'Env file to read (KEY=value lines).' -rfka ''
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack db migrate" data-dir' -l 'data-dir' -d 'Directory of the embedded stores (ENERTRACK_DATA_DIR).' -rfka ''
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack db migrate" dry-run' -l 'dry-run' -d 'Report what would be applied without changing anything.'
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack db migrate" version' -l 'version' -d 'Show the version.'
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack db migrate" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack db status" config' -l 'config' -d 'Env file to read (KEY=value lines).' -rfka ''
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack db status" data-dir' -l 'data-dir' -d 'Directory of the embedded stores (ENERTRACK_DATA_DIR).' -rfka ''
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack db status" json' -l 'json' -d 'Print a JSON array of objects (sorted keys) instead of a table.'
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack db status" version' -l 'version' -d 'Show the version.'
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack db status" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack db rollup" config' -l 'config' -d 'Env file to read (KEY=value lines).' -rfka ''
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack db rollup" data-dir' -l 'data-dir' -d 'Directory of the embedded stores (ENERTRACK_DATA_DIR).' -rfka ''
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack db rollup" rebuild' -l 'rebuild' -d 'Recompute the rollups (required: the only action).'
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack db rollup" from' -l 'from' -d 'Only from this time on: now, today, yesterday, 15m/2h/7d ago, unix s/ms, or ISO 8601 (without an offset: the site time zone).' -rfka ''
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack db rollup" version' -l 'version' -d 'Show the version.'
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack db rollup" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack ingest" config' -l 'config' -d 'Env file to read (KEY=value lines).' -rfka ''
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack ingest" data-dir' -l 'data-dir' -d 'Directory of the embedded stores (ENERTRACK_DATA_DIR).' -rfka ''
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack ingest" share' -l 'share' -d 'Subscribe through \'$share/GROUP/...\' so several workers split one stream.' -rfka ''
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack ingest" tasmota' -l 'tasmota' -d 'Also accept Tasmota \'tele/<device>/SENSOR\' messages (ENERGY object).'
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack ingest" known-only' -l 'known-only' -d 'Drop readings of ESP ids that are not registered (counted as unknown_node) instead of registering them.'
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack ingest" spool-max' -l 'spool-max' -d 'Readings the spool may hold before consumption pauses (the broker keeps queueing).' -rfka ''
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack ingest" client-id' -l 'client-id' -d 'MQTT client id (default: MQTT_CLIENT_ID, else enertrack-ingest-<hostname>). Each worker needs its own.' -rfka ''
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack ingest" metrics-listen' -l 'metrics-listen' -d 'Serve Prometheus metrics on HOST:PORT at /metrics.' -rfka ''
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack ingest" verbose' -l 'verbose' -d 'Log every minute\'s stats and state changes only (default), or everything with --verbose.'
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack ingest" version' -l 'version' -d 'Show the version.'
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack ingest" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack import" config' -l 'config' -d 'Env file to read (KEY=value lines).' -rfka ''
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack import" data-dir' -l 'data-dir' -d 'Directory of the embedded stores (ENERTRACK_DATA_DIR).' -rfka ''
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack import" format' -l 'format' -d 'csv or line-protocol (default: detected from the first line).' -rfka 'csv line-protocol'
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack import" known-only' -l 'known-only' -d 'Drop readings of ESP ids that are not registered instead of registering them.'
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack import" json' -l 'json' -d 'Print the summary as JSON.'
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack import" version' -l 'version' -d 'Show the version.'
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack import" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack simulate" config' -l 'config' -d 'Env file to read (KEY=value lines).' -rfka ''
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack simulate" data-dir' -l 'data-dir' -d 'Directory of the embedded stores (ENERTRACK_DATA_DIR).' -rfka ''
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack simulate" nodes' -l 'nodes' -d 'Number of simulated meters.' -rfka ''
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack simulate" rate' -l 'rate' -d 'Readings per second, all meters together (default: one per meter every 10 s).' -rfka ''
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack simulate" duration' -l 'duration' -d 'Stop after this many seconds (default: run until interrupted).' -rfka ''
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack simulate" format' -l 'format' -d 'json (one message per reading) or topics (one message per quantity).' -rfka 'json topics'
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack simulate" qos' -l 'qos' -d 'MQTT QoS, 0 or 1.' -rfka ''
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack simulate" node-prefix' -l 'node-prefix' -d 'ESP id prefix of the simulated meters.' -rfka ''
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack simulate" version' -l 'version' -d 'Show the version.'
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack simulate" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack serve" version' -l 'version' -d 'Show the version.'
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack serve" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack report" version' -l 'version' -d 'Show the version.'
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack report" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_positional "enertrack report" -eq 1' -fa 'consumption' -d 'Energy used per hour, day, month or year, per meter, in the site\'s time zone.'
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_positional "enertrack report" -eq 1' -fa 'kpi' -d 'Latest readings, mean power over a window and energy today, per meter and in total.'
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_positional "enertrack report" -eq 1' -fa 'status' -d 'Which meters report: active, inactive, no_data (never reported) or removed.'
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_positional "enertrack report" -eq 1' -fa 'readings' -d 'Export a meter\'s raw readings.'
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack report consumption" config' -l 'config' -d 'Env file to read (KEY=value lines).' -rfka ''
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack report consumption" data-dir' -l 'data-dir' -d 'Directory of the embedded stores (ENERTRACK_DATA_DIR).' -rfka ''
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack report consumption" by' -l 'by' -d 'hour, day, month or year.' -rfka 'hour day month year'
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack report consumption"' -l 'node' -d 'Meter (repeatable).' -rfka ''
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack report consumption" user' -l 'user' -d 'The meters actively assigned to this user.' -rfka ''
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack report consumption" from' -l 'from' -d 'Start: now, today, yesterday, 15m/2h/7d ago, unix s/ms, or ISO 8601 (without an offset: the site time zone).' -rfka ''
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack report consumption" to' -l 'to' -d 'End, exclusive.' -rfka ''
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack report consumption" tz' -l 'tz' -d 'Time zone of the periods (default: TZ, else the system zone).' -rfka ''
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack report consumption" total' -l 'total' -d 'Add the total over all rows (tables; JSON always has total_kwh).'
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack report consumption" format' -l 'format' -d 'table, csv or json.' -rfka 'table csv json'
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack report consumption" version' -l 'version' -d 'Show the version.'
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack report consumption" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack report kpi" config' -l 'config' -d 'Env file to read (KEY=value lines).' -rfka ''
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack report kpi" data-dir' -l 'data-dir' -d 'Directory of the embedded stores (ENERTRACK_DATA_DIR).' -rfka ''
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack report kpi"' -l 'node' -d 'Meter (repeatable).' -rfka ''
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack report kpi" user' -l 'user' -d 'The meters actively assigned to this user.' -rfka ''
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack report kpi" window' -l 'window' -d 'Window of the mean power (30s, 15m, 1h).' -rfka ''
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack report kpi" json' -l 'json' -d 'Print a JSON array of objects (sorted keys) instead of a table.'
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack report kpi" version' -l 'version' -d 'Show the version.'
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack report kpi" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack report status" config' -l 'config' -d 'Env file to read (KEY=value lines).' -rfka ''
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack report status" data-dir' -l 'data-dir' -d 'Directory of the embedded stores (ENERTRACK_DATA_DIR).' -rfka ''
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack report status" user' -l 'user' -d 'Only the meters actively assigned to this user.' -rfka ''
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack report status" inactive-after' -l 'inactive-after' -d 'Age after which a meter counts as inactive (30s, 5m, 1h).' -rfka ''
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack report status" all' -l 'all' -d 'Also removed and self-registered (inactive) meters.'
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack report status" check' -l 'check' -d 'One line for monitoring, exit 0 OK / 1 some inactive / 2 some never reported.'
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack report status" json' -l 'json' -d 'Print a JSON array of objects (sorted keys) instead of a table.'
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack report status" version' -l 'version' -d 'Show the version.'
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack report status" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack report readings" config' -l 'config' -d 'Env file to read (KEY=value lines).' -rfka ''
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack report readings" data-dir' -l 'data-dir' -d 'Directory of the embedded stores (ENERTRACK_DATA_DIR).' -rfka ''
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack report readings" node' -l 'node' -d 'ESP id of the meter.' -rfka ''
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack report readings" from' -l 'from' -d 'Start, inclusive (default: 24 hours ago): now, today, yesterday, 15m/2h/7d ago, unix s/ms, or ISO 8601 (without an offset: the site time zone).' -rfka ''
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack report readings" to' -l 'to' -d 'End, exclusive (default: now).' -rfka ''
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack report readings" format' -l 'format' -d 'table, csv or json.' -rfka 'table csv json'
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack report readings" version' -l 'version' -d 'Show the version.'
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack report readings" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack alerts" version' -l 'version' -d 'Show the version.'
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack alerts" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack telegram" version' -l 'version' -d 'Show the version.'
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack telegram" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack demo" dir' -l 'dir' -d 'Data directory for the demo (must be empty or new).' -rfka ''
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack demo" version' -l 'version' -d 'Show the version.'
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack demo" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'enertrack' -n '__enertrack_should_offer_completions_for_flags_or_options "enertrack help" version' -l 'version' -d 'Show the version.'
