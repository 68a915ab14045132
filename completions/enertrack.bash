#!/bin/bash

__enertrack_cursor_index_in_current_word() {
    local remaining="${COMP_LINE}"

    local word
    for word in "${COMP_WORDS[@]::COMP_CWORD}"; do
        remaining="${remaining##*([[:space:]])"${word}"*([[:space:]])}"
    done

    local -ir index="$((COMP_POINT - ${#COMP_LINE} + ${#remaining}))"
    if [[ "${index}" -le 0 ]]; then
        printf 0
    else
        printf %s "${index}"
    fi
}

# positional arguments:
#
# - 1: the current (sub)command's count of positional arguments
#
# required variables:
#
# - repeating_flags: the repeating flags that the current (sub)command can accept
# - non_repeating_flags: the non-repeating flags that the current (sub)command can accept
# - repeating_options: the repeating options that the current (sub)command can accept
# - non_repeating_options: the non-repeating options that the current (sub)command can accept
# - positional_number: value ignored
# - unparsed_words: unparsed words from the current command line
#
# modified variables:
#
# - non_repeating_flags: remove flags for this (sub)command that are already on the command line
# - non_repeating_options: remove options for this (sub)command that are already on the command line
# - positional_number: set to the current positional number
# - unparsed_words: remove all flags, options, and option values for this (sub)command
__enertrack_offer_flags_options() {
    local -ir positional_count="${1}"
    positional_number=0

    local was_flag_option_terminator_seen=false
    local is_parsing_option_value=false

    local -ar unparsed_word_indices=("${!unparsed_words[@]}")
    local -i word_index
    for word_index in "${unparsed_word_indices[@]}"; do
        if "${is_parsing_option_value}"; then
            # This word is an option value:
            # Reset marker for next word iff not currently the last word
            [[ "${word_index}" -ne "${unparsed_word_indices[${#unparsed_word_indices[@]} - 1]}" ]] && is_parsing_option_value=false
            unset "unparsed_words[${word_index}]"
            # Do not process this word as a flag or an option
            continue
        fi

        local word="${unparsed_words["${word_index}"]}"
        if ! "${was_flag_option_terminator_seen}"; then
            case "${word}" in
            --)
                unset "unparsed_words[${word_index}]"
                # by itself -- is a flag/option terminator, but if it is the last word, it is the start of a completion
                if [[ "${word_index}" -ne "${unparsed_word_indices[${#unparsed_word_indices[@]} - 1]}" ]]; then
                    was_flag_option_terminator_seen=true
                fi
                continue
                ;;
            -*)
                # ${word} is a flag or an option
                # If ${word} is an option, mark that the next word to be parsed is an option value
                local option
                for option in "${repeating_options[@]}" "${non_repeating_options[@]}"; do
                    [[ "${word}" = "${option}" ]] && is_parsing_option_value=true && break
                done

                # Remove ${word} from ${non_repeating_flags} or ${non_repeating_options} so it isn't offered again
                local not_found=true
                local -i index
                for index in "${!non_repeating_flags[@]}"; do
                    if [[ "${non_repeating_flags[${index}]}" = "${word}" ]]; then
                        unset "non_repeating_flags[${index}]"
                        non_repeating_flags=("${non_repeating_flags[@]}")
                        not_found=false
                        break
                    fi
                done
                if "${not_found}"; then
                    for index in "${!non_repeating_flags[@]}"; do
                        if [[ "${non_repeating_flags[${index}]}" = "${word}" ]]; then
                            unset "non_repeating_flags[${index}]"
                            non_repeating_flags=("${non_repeating_flags[@]}")
                            break
                        fi
                    done
                fi
                unset "unparsed_words[${word_index}]"
                continue
                ;;
            esac
        fi

        # ${word} is neither a flag, nor an option, nor an option value
        if [[ "${positional_number}" -lt "${positional_count}" || "${positional_count}" -lt 0 ]]; then
            # ${word} is a positional
            ((positional_number++))
            unset "unparsed_words[${word_index}]"
        else
            if [[ -z "${word}" ]]; then
                # Could be completing a flag, option, or subcommand
                positional_number=-1
            else
                # ${word} is a subcommand or invalid, so stop processing this (sub)command
                positional_number=-2
            fi
            break
        fi
    done

    unparsed_words=("${unparsed_words[@]}")

    if\
        ! "${was_flag_option_terminator_seen}"\
        && ! "${is_parsing_option_value}"\
        && [[ ("${cur}" = -* && "${positional_number}" -ge 0) || "${positional_number}" -eq -1 ]]
    then
        COMPREPLY+=($(compgen -W "${repeating_flags[*]} ${non_repeating_flags[*]} ${repeating_options[*]} ${non_repeating_options[*]}" -- "${cur}"))
    fi
}

__enertrack_add_completions() {
    local completion
    while IFS='' read -r completion; do
        COMPREPLY+=("${completion}")
    done < <(IFS=$'\n' compgen "${@}" -- "${cur}")
}

__enertrack_custom_complete() {
    if [[ -n "${cur}" || -z ${COMP_WORDS[${COMP_CWORD}]} || "${COMP_LINE:${COMP_POINT}:1}" != ' ' ]]; then
        local -ar words=("${COMP_WORDS[@]}")
    else
        local -ar words=("${COMP_WORDS[@]::${COMP_CWORD}}" '' "${COMP_WORDS[@]:${COMP_CWORD}}")
    fi

    "${COMP_WORDS[0]}" "${@}" "${words[@]}"
}

_enertrack() {
    local state
    state="$(shopt -p;shopt -po)"
    trap "${state//$'\n'/;}" RETURN
    shopt -s extglob
    set +o history +o posix

    local -xr SAP_SHELL=bash
    local -x SAP_SHELL_VERSION
    SAP_SHELL_VERSION="$(IFS='.';printf %s "${BASH_VERSINFO[*]}")"
    local -r SAP_SHELL_VERSION

    local -r cur="${2}"
    local -r prev="${3}"

    local -i positional_number
    local -a unparsed_words=("${COMP_WORDS[@]:1:${COMP_CWORD}}")

    local -a repeating_flags=()
    local -a non_repeating_flags=(--version -h --help)
    local -a repeating_options=()
    local -a non_repeating_options=()
    __enertrack_offer_flags_options 0

    # Offer subcommand / subcommand argument completions
    local -r subcommand="${unparsed_words[0]}"
    unset 'unparsed_words[0]'
    unparsed_words=("${unparsed_words[@]}")
    case "${subcommand}" in
    user|node|assign|config|db|ingest|import|simulate|serve|report|alerts|telegram|tariff|site|source|readings|demo|help)
        # Offer subcommand argument completions
        "_enertrack_${subcommand}"
        ;;
    *)
        # Offer subcommand completions
        COMPREPLY+=($(compgen -W 'user node assign config db ingest import simulate serve report alerts telegram tariff site source readings demo help' -- "${cur}"))
        ;;
    esac
}

_enertrack_user() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=()
    __enertrack_offer_flags_options 0

    # Offer subcommand / subcommand argument completions
    local -r subcommand="${unparsed_words[0]}"
    unset 'unparsed_words[0]'
    unparsed_words=("${unparsed_words[@]}")
    case "${subcommand}" in
    add|list|show|edit|passwd|token|disable|enable|remove)
        # Offer subcommand argument completions
        "_enertrack_user_${subcommand}"
        ;;
    *)
        # Offer subcommand completions
        COMPREPLY+=($(compgen -W 'add list show edit passwd token disable enable remove' -- "${cur}"))
        ;;
    esac
}

_enertrack_user_add() {
    repeating_flags=()
    non_repeating_flags=(--admin --password-stdin --json --version -h --help)
    repeating_options=()
    non_repeating_options=(--config --data-dir --log-level --email --name)
    __enertrack_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--config')
        return
        ;;
    '--data-dir')
        return
        ;;
    '--log-level')
        return
        ;;
    '--email')
        return
        ;;
    '--name')
        return
        ;;
    esac
}

_enertrack_user_list() {
    repeating_flags=()
    non_repeating_flags=(--all --json --version -h --help)
    repeating_options=()
    non_repeating_options=(--config --data-dir --log-level)
    __enertrack_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--config')
        return
        ;;
    '--data-dir')
        return
        ;;
    '--log-level')
        return
        ;;
    esac
}

_enertrack_user_show() {
    repeating_flags=()
    non_repeating_flags=(--json --version -h --help)
    repeating_options=()
    non_repeating_options=(--config --data-dir --log-level)
    __enertrack_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--config')
        return
        ;;
    '--data-dir')
        return
        ;;
    '--log-level')
        return
        ;;
    esac
}

_enertrack_user_edit() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=(--config --data-dir --log-level --lang)
    __enertrack_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--config')
        return
        ;;
    '--data-dir')
        return
        ;;
    '--log-level')
        return
        ;;
    '--lang')
        return
        ;;
    esac
}

_enertrack_user_passwd() {
    repeating_flags=()
    non_repeating_flags=(--password-stdin --version -h --help)
    repeating_options=()
    non_repeating_options=(--config --data-dir --log-level)
    __enertrack_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--config')
        return
        ;;
    '--data-dir')
        return
        ;;
    '--log-level')
        return
        ;;
    esac
}

_enertrack_user_token() {
    repeating_flags=()
    non_repeating_flags=(--revoke --version -h --help)
    repeating_options=()
    non_repeating_options=(--config --data-dir --log-level --name)
    __enertrack_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--config')
        return
        ;;
    '--data-dir')
        return
        ;;
    '--log-level')
        return
        ;;
    '--name')
        return
        ;;
    esac
}

_enertrack_user_disable() {
    repeating_flags=()
    non_repeating_flags=(--json --version -h --help)
    repeating_options=()
    non_repeating_options=(--config --data-dir --log-level)
    __enertrack_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--config')
        return
        ;;
    '--data-dir')
        return
        ;;
    '--log-level')
        return
        ;;
    esac
}

_enertrack_user_enable() {
    repeating_flags=()
    non_repeating_flags=(--json --version -h --help)
    repeating_options=()
    non_repeating_options=(--config --data-dir --log-level)
    __enertrack_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--config')
        return
        ;;
    '--data-dir')
        return
        ;;
    '--log-level')
        return
        ;;
    esac
}

_enertrack_user_remove() {
    repeating_flags=()
    non_repeating_flags=(--json --version -h --help)
    repeating_options=()
    non_repeating_options=(--config --data-dir --log-level)
    __enertrack_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--config')
        return
        ;;
    '--data-dir')
        return
        ;;
    '--log-level')
        return
        ;;
    esac
}

_enertrack_node() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=()
    __enertrack_offer_flags_options 0

    # Offer subcommand / subcommand argument completions
    local -r subcommand="${unparsed_words[0]}"
    unset 'unparsed_words[0]'
    unparsed_words=("${unparsed_words[@]}")
    case "${subcommand}" in
    add|edit|list|show|remove|restore)
        # Offer subcommand argument completions
        "_enertrack_node_${subcommand}"
        ;;
    *)
        # Offer subcommand completions
        COMPREPLY+=($(compgen -W 'add edit list show remove restore' -- "${cur}"))
        ;;
    esac
}

_enertrack_node_add() {
    repeating_flags=()
    non_repeating_flags=(--json --version -h --help)
    repeating_options=()
    non_repeating_options=(--config --data-dir --log-level --name --description)
    __enertrack_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--config')
        return
        ;;
    '--data-dir')
        return
        ;;
    '--log-level')
        return
        ;;
    '--name')
        return
        ;;
    '--description')
        return
        ;;
    esac
}

_enertrack_node_edit() {
    repeating_flags=()
    non_repeating_flags=(--no-site --json --version -h --help)
    repeating_options=()
    non_repeating_options=(--config --data-dir --log-level --name --description --site --role --parent)
    __enertrack_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--config')
        return
        ;;
    '--data-dir')
        return
        ;;
    '--log-level')
        return
        ;;
    '--name')
        return
        ;;
    '--description')
        return
        ;;
    '--site')
        return
        ;;
    '--role')
        __enertrack_add_completions -W 'grid'$'\n''production'$'\n''consumption'$'\n''total'
        return
        ;;
    '--parent')
        return
        ;;
    esac
}

_enertrack_node_list() {
    repeating_flags=()
    non_repeating_flags=(--all --json --version -h --help)
    repeating_options=()
    non_repeating_options=(--config --data-dir --log-level)
    __enertrack_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--config')
        return
        ;;
    '--data-dir')
        return
        ;;
    '--log-level')
        return
        ;;
    esac
}

_enertrack_node_show() {
    repeating_flags=()
    non_repeating_flags=(--json --version -h --help)
    repeating_options=()
    non_repeating_options=(--config --data-dir --log-level)
    __enertrack_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--config')
        return
        ;;
    '--data-dir')
        return
        ;;
    '--log-level')
        return
        ;;
    esac
}

_enertrack_node_remove() {
    repeating_flags=()
    non_repeating_flags=(--json --version -h --help)
    repeating_options=()
    non_repeating_options=(--config --data-dir --log-level)
    __enertrack_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--config')
        return
        ;;
    '--data-dir')
        return
        ;;
    '--log-level')
        return
        ;;
    esac
}

_enertrack_node_restore() {
    repeating_flags=()
    non_repeating_flags=(--json --version -h --help)
    repeating_options=()
    non_repeating_options=(--config --data-dir --log-level)
    __enertrack_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--config')
        return
        ;;
    '--data-dir')
        return
        ;;
    '--log-level')
        return
        ;;
    esac
}

_enertrack_assign() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=()
    __enertrack_offer_flags_options 0

    # Offer subcommand / subcommand argument completions
    local -r subcommand="${unparsed_words[0]}"
    unset 'unparsed_words[0]'
    unparsed_words=("${unparsed_words[@]}")
    case "${subcommand}" in
    add|remove|set|list)
        # Offer subcommand argument completions
        "_enertrack_assign_${subcommand}"
        ;;
    *)
        # Offer subcommand completions
        COMPREPLY+=($(compgen -W 'add remove set list' -- "${cur}"))
        ;;
    esac
}

_enertrack_assign_add() {
    repeating_flags=()
    non_repeating_flags=(--json --version -h --help)
    repeating_options=()
    non_repeating_options=(--config --data-dir --log-level --location)
    __enertrack_offer_flags_options 2

    # Offer option value completions
    case "${prev}" in
    '--config')
        return
        ;;
    '--data-dir')
        return
        ;;
    '--log-level')
        return
        ;;
    '--location')
        return
        ;;
    esac
}

_enertrack_assign_remove() {
    repeating_flags=()
    non_repeating_flags=(--json --version -h --help)
    repeating_options=()
    non_repeating_options=(--config --data-dir --log-level)
    __enertrack_offer_flags_options 2

    # Offer option value completions
    case "${prev}" in
    '--config')
        return
        ;;
    '--data-dir')
        return
        ;;
    '--log-level')
        return
        ;;
    esac
}

_enertrack_assign_set() {
    repeating_flags=()
    non_repeating_flags=(--json --version -h --help)
    repeating_options=()
    non_repeating_options=(--config --data-dir --log-level --location)
    __enertrack_offer_flags_options 2

    # Offer option value completions
    case "${prev}" in
    '--config')
        return
        ;;
    '--data-dir')
        return
        ;;
    '--log-level')
        return
        ;;
    '--location')
        return
        ;;
    esac
}

_enertrack_assign_list() {
    repeating_flags=()
    non_repeating_flags=(--all --json --version -h --help)
    repeating_options=()
    non_repeating_options=(--config --data-dir --log-level --user --node)
    __enertrack_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--config')
        return
        ;;
    '--data-dir')
        return
        ;;
    '--log-level')
        return
        ;;
    '--user')
        return
        ;;
    '--node')
        return
        ;;
    esac
}

_enertrack_config() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=()
    __enertrack_offer_flags_options 0

    # Offer subcommand / subcommand argument completions
    local -r subcommand="${unparsed_words[0]}"
    unset 'unparsed_words[0]'
    unparsed_words=("${unparsed_words[@]}")
    case "${subcommand}" in
    show)
        # Offer subcommand argument completions
        "_enertrack_config_${subcommand}"
        ;;
    *)
        # Offer subcommand completions
        COMPREPLY+=($(compgen -W 'show' -- "${cur}"))
        ;;
    esac
}

_enertrack_config_show() {
    repeating_flags=()
    non_repeating_flags=(--json --version -h --help)
    repeating_options=()
    non_repeating_options=(--config --data-dir --log-level)
    __enertrack_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--config')
        return
        ;;
    '--data-dir')
        return
        ;;
    '--log-level')
        return
        ;;
    esac
}

_enertrack_db() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=()
    __enertrack_offer_flags_options 0

    # Offer subcommand / subcommand argument completions
    local -r subcommand="${unparsed_words[0]}"
    unset 'unparsed_words[0]'
    unparsed_words=("${unparsed_words[@]}")
    case "${subcommand}" in
    migrate|status|rollup|backup|restore|prune)
        # Offer subcommand argument completions
        "_enertrack_db_${subcommand}"
        ;;
    *)
        # Offer subcommand completions
        COMPREPLY+=($(compgen -W 'migrate status rollup backup restore prune' -- "${cur}"))
        ;;
    esac
}

_enertrack_db_migrate() {
    repeating_flags=()
    non_repeating_flags=(--dry-run --to-original-ddl --version -h --help)
    repeating_options=()
    non_repeating_options=(--config --data-dir --log-level)
    __enertrack_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--config')
        return
        ;;
    '--data-dir')
        return
        ;;
    '--log-level')
        return
        ;;
    esac
}

_enertrack_db_status() {
    repeating_flags=()
    non_repeating_flags=(--json --version -h --help)
    repeating_options=()
    non_repeating_options=(--config --data-dir --log-level)
    __enertrack_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--config')
        return
        ;;
    '--data-dir')
        return
        ;;
    '--log-level')
        return
        ;;
    esac
}

_enertrack_db_rollup() {
    repeating_flags=()
    non_repeating_flags=(--rebuild --quiet --version -h --help)
    repeating_options=()
    non_repeating_options=(--config --data-dir --log-level --from)
    __enertrack_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--config')
        return
        ;;
    '--data-dir')
        return
        ;;
    '--log-level')
        return
        ;;
    '--from')
        return
        ;;
    esac
}

_enertrack_db_backup() {
    repeating_flags=()
    non_repeating_flags=(--quiet --json --version -h --help)
    repeating_options=()
    non_repeating_options=(--config --data-dir --log-level --keep)
    __enertrack_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--config')
        return
        ;;
    '--data-dir')
        return
        ;;
    '--log-level')
        return
        ;;
    '--keep')
        return
        ;;
    esac
}

_enertrack_db_restore() {
    repeating_flags=()
    non_repeating_flags=(--quiet --version -h --help)
    repeating_options=()
    non_repeating_options=(--config --data-dir --log-level)
    __enertrack_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--config')
        return
        ;;
    '--data-dir')
        return
        ;;
    '--log-level')
        return
        ;;
    esac
}

_enertrack_db_prune() {
    repeating_flags=()
    non_repeating_flags=(--dry-run --quiet --version -h --help)
    repeating_options=()
    non_repeating_options=(--config --data-dir --log-level)
    __enertrack_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--config')
        return
        ;;
    '--data-dir')
        return
        ;;
    '--log-level')
        return
        ;;
    esac
}

_enertrack_ingest() {
    repeating_flags=()
    non_repeating_flags=(--tasmota --known-only --verbose --version -h --help)
    repeating_options=()
    non_repeating_options=(--config --data-dir --log-level --share --spool-max --client-id --metrics-listen)
    __enertrack_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--config')
        return
        ;;
    '--data-dir')
        return
        ;;
    '--log-level')
        return
        ;;
    '--share')
        return
        ;;
    '--spool-max')
        return
        ;;
    '--client-id')
        return
        ;;
    '--metrics-listen')
        return
        ;;
    esac
}

_enertrack_import() {
    repeating_flags=()
    non_repeating_flags=(--known-only --json --quiet --version -h --help)
    repeating_options=()
    non_repeating_options=(--config --data-dir --log-level --format)
    __enertrack_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--config')
        return
        ;;
    '--data-dir')
        return
        ;;
    '--log-level')
        return
        ;;
    '--format')
        __enertrack_add_completions -W 'csv'$'\n''line-protocol'
        return
        ;;
    esac
}

_enertrack_simulate() {
    repeating_flags=()
    non_repeating_flags=(--household --version -h --help)
    repeating_options=()
    non_repeating_options=(--config --data-dir --log-level --nodes --rate --duration --format --topic-root --qos --node-prefix)
    __enertrack_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--config')
        return
        ;;
    '--data-dir')
        return
        ;;
    '--log-level')
        return
        ;;
    '--nodes')
        return
        ;;
    '--rate')
        return
        ;;
    '--duration')
        return
        ;;
    '--format')
        __enertrack_add_completions -W 'json'$'\n''topics'$'\n''shelly-gen2'$'\n''shelly-gen1'$'\n''esphome'$'\n''tasmota'
        return
        ;;
    '--topic-root')
        return
        ;;
    '--qos')
        return
        ;;
    '--node-prefix')
        return
        ;;
    esac
}

_enertrack_serve() {
    repeating_flags=()
    non_repeating_flags=(--hsts --version -h --help)
    repeating_options=(--trusted-proxy)
    non_repeating_options=(--config --data-dir --log-level --listen --port --idle-timeout --max-connections --metrics-listen)
    __enertrack_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--config')
        return
        ;;
    '--data-dir')
        return
        ;;
    '--log-level')
        return
        ;;
    '--listen')
        return
        ;;
    '--port')
        return
        ;;
    '--trusted-proxy')
        return
        ;;
    '--idle-timeout')
        return
        ;;
    '--max-connections')
        return
        ;;
    '--metrics-listen')
        return
        ;;
    esac
}

_enertrack_report() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=()
    __enertrack_offer_flags_options 0

    # Offer subcommand / subcommand argument completions
    local -r subcommand="${unparsed_words[0]}"
    unset 'unparsed_words[0]'
    unparsed_words=("${unparsed_words[@]}")
    case "${subcommand}" in
    consumption|cost|site|kpi|status|readings)
        # Offer subcommand argument completions
        "_enertrack_report_${subcommand}"
        ;;
    *)
        # Offer subcommand completions
        COMPREPLY+=($(compgen -W 'consumption cost site kpi status readings' -- "${cur}"))
        ;;
    esac
}

_enertrack_report_consumption() {
    repeating_flags=()
    non_repeating_flags=(--total --pivot --json --version -h --help)
    repeating_options=(--node)
    non_repeating_options=(--config --data-dir --log-level --by --user --from --to --tz --format)
    __enertrack_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--config')
        return
        ;;
    '--data-dir')
        return
        ;;
    '--log-level')
        return
        ;;
    '--by')
        __enertrack_add_completions -W 'hour'$'\n''day'$'\n''month'$'\n''year'
        return
        ;;
    '--node')
        return
        ;;
    '--user')
        return
        ;;
    '--from')
        return
        ;;
    '--to')
        return
        ;;
    '--tz')
        return
        ;;
    '--format')
        __enertrack_add_completions -W 'table'$'\n''csv'$'\n''json'
        return
        ;;
    esac
}

_enertrack_report_cost() {
    repeating_flags=()
    non_repeating_flags=(--json --version -h --help)
    repeating_options=(--node)
    non_repeating_options=(--config --data-dir --log-level --by --user --site --from --to --format)
    __enertrack_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--config')
        return
        ;;
    '--data-dir')
        return
        ;;
    '--log-level')
        return
        ;;
    '--by')
        __enertrack_add_completions -W 'hour'$'\n''day'$'\n''month'$'\n''year'$'\n''bill'
        return
        ;;
    '--node')
        return
        ;;
    '--user')
        return
        ;;
    '--site')
        return
        ;;
    '--from')
        return
        ;;
    '--to')
        return
        ;;
    '--format')
        __enertrack_add_completions -W 'table'$'\n''csv'$'\n''json'
        return
        ;;
    esac
}

_enertrack_report_site() {
    repeating_flags=()
    non_repeating_flags=(--cost --json --version -h --help)
    repeating_options=()
    non_repeating_options=(--config --data-dir --log-level --by --from --to --format)
    __enertrack_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--config')
        return
        ;;
    '--data-dir')
        return
        ;;
    '--log-level')
        return
        ;;
    '--by')
        __enertrack_add_completions -W 'hour'$'\n''day'$'\n''month'$'\n''year'
        return
        ;;
    '--from')
        return
        ;;
    '--to')
        return
        ;;
    '--format')
        __enertrack_add_completions -W 'table'$'\n''csv'$'\n''json'
        return
        ;;
    esac
}

_enertrack_report_kpi() {
    repeating_flags=()
    non_repeating_flags=(--json --version -h --help)
    repeating_options=(--node)
    non_repeating_options=(--config --data-dir --log-level --user --window --inactive-after)
    __enertrack_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--config')
        return
        ;;
    '--data-dir')
        return
        ;;
    '--log-level')
        return
        ;;
    '--node')
        return
        ;;
    '--user')
        return
        ;;
    '--window')
        return
        ;;
    '--inactive-after')
        return
        ;;
    esac
}

_enertrack_report_status() {
    repeating_flags=()
    non_repeating_flags=(--all --check --json --version -h --help)
    repeating_options=()
    non_repeating_options=(--config --data-dir --log-level --user --inactive-after)
    __enertrack_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--config')
        return
        ;;
    '--data-dir')
        return
        ;;
    '--log-level')
        return
        ;;
    '--user')
        return
        ;;
    '--inactive-after')
        return
        ;;
    esac
}

_enertrack_report_readings() {
    repeating_flags=()
    non_repeating_flags=(--json --version -h --help)
    repeating_options=()
    non_repeating_options=(--config --data-dir --log-level --node --from --to --format)
    __enertrack_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--config')
        return
        ;;
    '--data-dir')
        return
        ;;
    '--log-level')
        return
        ;;
    '--node')
        return
        ;;
    '--from')
        return
        ;;
    '--to')
        return
        ;;
    '--format')
        __enertrack_add_completions -W 'table'$'\n''csv'$'\n''json'
        return
        ;;
    esac
}

_enertrack_alerts() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=()
    __enertrack_offer_flags_options 0

    # Offer subcommand / subcommand argument completions
    local -r subcommand="${unparsed_words[0]}"
    unset 'unparsed_words[0]'
    unparsed_words=("${unparsed_words[@]}")
    case "${subcommand}" in
    set|clear|list|budget|run)
        # Offer subcommand argument completions
        "_enertrack_alerts_${subcommand}"
        ;;
    *)
        # Offer subcommand completions
        COMPREPLY+=($(compgen -W 'set clear list budget run' -- "${cur}"))
        ;;
    esac
}

_enertrack_alerts_set() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=(--config --data-dir --log-level --kw --phase-kw)
    __enertrack_offer_flags_options 2

    # Offer option value completions
    case "${prev}" in
    '--config')
        return
        ;;
    '--data-dir')
        return
        ;;
    '--log-level')
        return
        ;;
    '--kw')
        return
        ;;
    '--phase-kw')
        return
        ;;
    esac
}

_enertrack_alerts_clear() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=(--config --data-dir --log-level)
    __enertrack_offer_flags_options 2

    # Offer option value completions
    case "${prev}" in
    '--config')
        return
        ;;
    '--data-dir')
        return
        ;;
    '--log-level')
        return
        ;;
    esac
}

_enertrack_alerts_list() {
    repeating_flags=()
    non_repeating_flags=(--json --version -h --help)
    repeating_options=()
    non_repeating_options=(--config --data-dir --log-level --user)
    __enertrack_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--config')
        return
        ;;
    '--data-dir')
        return
        ;;
    '--log-level')
        return
        ;;
    '--user')
        return
        ;;
    esac
}

_enertrack_alerts_budget() {
    repeating_flags=()
    non_repeating_flags=(--clear --json --version -h --help)
    repeating_options=()
    non_repeating_options=(--config --data-dir --log-level --monthly)
    __enertrack_offer_flags_options 2

    # Offer option value completions
    case "${prev}" in
    '--config')
        return
        ;;
    '--data-dir')
        return
        ;;
    '--log-level')
        return
        ;;
    '--monthly')
        return
        ;;
    esac
}

_enertrack_alerts_run() {
    repeating_flags=()
    non_repeating_flags=(--dry-run --json --if-configured --version -h --help)
    repeating_options=()
    non_repeating_options=(--config --data-dir --log-level --window --cooldown --silent-after)
    __enertrack_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--config')
        return
        ;;
    '--data-dir')
        return
        ;;
    '--log-level')
        return
        ;;
    '--window')
        return
        ;;
    '--cooldown')
        return
        ;;
    '--silent-after')
        return
        ;;
    esac
}

_enertrack_telegram() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=()
    __enertrack_offer_flags_options 0

    # Offer subcommand / subcommand argument completions
    local -r subcommand="${unparsed_words[0]}"
    unset 'unparsed_words[0]'
    unparsed_words=("${unparsed_words[@]}")
    case "${subcommand}" in
    link|unlink|status|test|bot|webhook)
        # Offer subcommand argument completions
        "_enertrack_telegram_${subcommand}"
        ;;
    *)
        # Offer subcommand completions
        COMPREPLY+=($(compgen -W 'link unlink status test bot webhook' -- "${cur}"))
        ;;
    esac
}

_enertrack_telegram_link() {
    repeating_flags=()
    non_repeating_flags=(--json --version -h --help)
    repeating_options=()
    non_repeating_options=(--config --data-dir --log-level)
    __enertrack_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--config')
        return
        ;;
    '--data-dir')
        return
        ;;
    '--log-level')
        return
        ;;
    esac
}

_enertrack_telegram_unlink() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=(--config --data-dir --log-level)
    __enertrack_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--config')
        return
        ;;
    '--data-dir')
        return
        ;;
    '--log-level')
        return
        ;;
    esac
}

_enertrack_telegram_status() {
    repeating_flags=()
    non_repeating_flags=(--json --version -h --help)
    repeating_options=()
    non_repeating_options=(--config --data-dir --log-level)
    __enertrack_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--config')
        return
        ;;
    '--data-dir')
        return
        ;;
    '--log-level')
        return
        ;;
    esac
}

_enertrack_telegram_test() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=(--config --data-dir --log-level)
    __enertrack_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--config')
        return
        ;;
    '--data-dir')
        return
        ;;
    '--log-level')
        return
        ;;
    esac
}

_enertrack_telegram_bot() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=(--config --data-dir --log-level --poll-timeout --window --metrics-listen)
    __enertrack_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--config')
        return
        ;;
    '--data-dir')
        return
        ;;
    '--log-level')
        return
        ;;
    '--poll-timeout')
        return
        ;;
    '--window')
        return
        ;;
    '--metrics-listen')
        return
        ;;
    esac
}

_enertrack_telegram_webhook() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=(--config --data-dir --log-level)
    __enertrack_offer_flags_options 2

    # Offer option value completions
    case "${prev}" in
    '--config')
        return
        ;;
    '--data-dir')
        return
        ;;
    '--log-level')
        return
        ;;
    esac
}

_enertrack_tariff() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=()
    __enertrack_offer_flags_options 0

    # Offer subcommand / subcommand argument completions
    local -r subcommand="${unparsed_words[0]}"
    unset 'unparsed_words[0]'
    unparsed_words=("${unparsed_words[@]}")
    case "${subcommand}" in
    import|list|show|export|assign|unassign|assignments|remove|prices)
        # Offer subcommand argument completions
        "_enertrack_tariff_${subcommand}"
        ;;
    *)
        # Offer subcommand completions
        COMPREPLY+=($(compgen -W 'import list show export assign unassign assignments remove prices' -- "${cur}"))
        ;;
    esac
}

_enertrack_tariff_import() {
    repeating_flags=()
    non_repeating_flags=(--dry-run --json --version -h --help)
    repeating_options=()
    non_repeating_options=(--config --data-dir --log-level)
    __enertrack_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--config')
        return
        ;;
    '--data-dir')
        return
        ;;
    '--log-level')
        return
        ;;
    esac
}

_enertrack_tariff_list() {
    repeating_flags=()
    non_repeating_flags=(--json --version -h --help)
    repeating_options=()
    non_repeating_options=(--config --data-dir --log-level)
    __enertrack_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--config')
        return
        ;;
    '--data-dir')
        return
        ;;
    '--log-level')
        return
        ;;
    esac
}

_enertrack_tariff_show() {
    repeating_flags=()
    non_repeating_flags=(--json --version -h --help)
    repeating_options=()
    non_repeating_options=(--config --data-dir --log-level)
    __enertrack_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--config')
        return
        ;;
    '--data-dir')
        return
        ;;
    '--log-level')
        return
        ;;
    esac
}

_enertrack_tariff_export() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=(--config --data-dir --log-level)
    __enertrack_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--config')
        return
        ;;
    '--data-dir')
        return
        ;;
    '--log-level')
        return
        ;;
    esac
}

_enertrack_tariff_assign() {
    repeating_flags=()
    non_repeating_flags=(--json --version -h --help)
    repeating_options=()
    non_repeating_options=(--config --data-dir --log-level --user --from)
    __enertrack_offer_flags_options -1

    # Offer option value completions
    case "${prev}" in
    '--config')
        return
        ;;
    '--data-dir')
        return
        ;;
    '--log-level')
        return
        ;;
    '--user')
        return
        ;;
    '--from')
        return
        ;;
    esac
}

_enertrack_tariff_unassign() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=(--config --data-dir --log-level --user --from)
    __enertrack_offer_flags_options -1

    # Offer option value completions
    case "${prev}" in
    '--config')
        return
        ;;
    '--data-dir')
        return
        ;;
    '--log-level')
        return
        ;;
    '--user')
        return
        ;;
    '--from')
        return
        ;;
    esac
}

_enertrack_tariff_assignments() {
    repeating_flags=()
    non_repeating_flags=(--json --version -h --help)
    repeating_options=()
    non_repeating_options=(--config --data-dir --log-level)
    __enertrack_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--config')
        return
        ;;
    '--data-dir')
        return
        ;;
    '--log-level')
        return
        ;;
    esac
}

_enertrack_tariff_remove() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=(--config --data-dir --log-level)
    __enertrack_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--config')
        return
        ;;
    '--data-dir')
        return
        ;;
    '--log-level')
        return
        ;;
    esac
}

_enertrack_tariff_prices() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=()
    __enertrack_offer_flags_options 0

    # Offer subcommand / subcommand argument completions
    local -r subcommand="${unparsed_words[0]}"
    unset 'unparsed_words[0]'
    unparsed_words=("${unparsed_words[@]}")
    case "${subcommand}" in
    import)
        # Offer subcommand argument completions
        "_enertrack_tariff_prices_${subcommand}"
        ;;
    *)
        # Offer subcommand completions
        COMPREPLY+=($(compgen -W 'import' -- "${cur}"))
        ;;
    esac
}

_enertrack_tariff_prices_import() {
    repeating_flags=()
    non_repeating_flags=(--per-mwh --version -h --help)
    repeating_options=()
    non_repeating_options=(--config --data-dir --log-level)
    __enertrack_offer_flags_options 2

    # Offer option value completions
    case "${prev}" in
    '--config')
        return
        ;;
    '--data-dir')
        return
        ;;
    '--log-level')
        return
        ;;
    esac
}

_enertrack_site() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=()
    __enertrack_offer_flags_options 0

    # Offer subcommand / subcommand argument completions
    local -r subcommand="${unparsed_words[0]}"
    unset 'unparsed_words[0]'
    unparsed_words=("${unparsed_words[@]}")
    case "${subcommand}" in
    add|list|show|edit|remove|restore)
        # Offer subcommand argument completions
        "_enertrack_site_${subcommand}"
        ;;
    *)
        # Offer subcommand completions
        COMPREPLY+=($(compgen -W 'add list show edit remove restore' -- "${cur}"))
        ;;
    esac
}

_enertrack_site_add() {
    repeating_flags=()
    non_repeating_flags=(--json --version -h --help)
    repeating_options=()
    non_repeating_options=(--config --data-dir --log-level --name --tz)
    __enertrack_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--config')
        return
        ;;
    '--data-dir')
        return
        ;;
    '--log-level')
        return
        ;;
    '--name')
        return
        ;;
    '--tz')
        return
        ;;
    esac
}

_enertrack_site_list() {
    repeating_flags=()
    non_repeating_flags=(--all --json --version -h --help)
    repeating_options=()
    non_repeating_options=(--config --data-dir --log-level)
    __enertrack_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--config')
        return
        ;;
    '--data-dir')
        return
        ;;
    '--log-level')
        return
        ;;
    esac
}

_enertrack_site_show() {
    repeating_flags=()
    non_repeating_flags=(--json --version -h --help)
    repeating_options=()
    non_repeating_options=(--config --data-dir --log-level)
    __enertrack_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--config')
        return
        ;;
    '--data-dir')
        return
        ;;
    '--log-level')
        return
        ;;
    esac
}

_enertrack_site_edit() {
    repeating_flags=()
    non_repeating_flags=(--json --version -h --help)
    repeating_options=()
    non_repeating_options=(--config --data-dir --log-level --name --tz)
    __enertrack_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--config')
        return
        ;;
    '--data-dir')
        return
        ;;
    '--log-level')
        return
        ;;
    '--name')
        return
        ;;
    '--tz')
        return
        ;;
    esac
}

_enertrack_site_remove() {
    repeating_flags=()
    non_repeating_flags=(--json --version -h --help)
    repeating_options=()
    non_repeating_options=(--config --data-dir --log-level)
    __enertrack_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--config')
        return
        ;;
    '--data-dir')
        return
        ;;
    '--log-level')
        return
        ;;
    esac
}

_enertrack_site_restore() {
    repeating_flags=()
    non_repeating_flags=(--json --version -h --help)
    repeating_options=()
    non_repeating_options=(--config --data-dir --log-level)
    __enertrack_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--config')
        return
        ;;
    '--data-dir')
        return
        ;;
    '--log-level')
        return
        ;;
    esac
}

_enertrack_source() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=()
    __enertrack_offer_flags_options 0

    # Offer subcommand / subcommand argument completions
    local -r subcommand="${unparsed_words[0]}"
    unset 'unparsed_words[0]'
    unparsed_words=("${unparsed_words[@]}")
    case "${subcommand}" in
    add|list|remove)
        # Offer subcommand argument completions
        "_enertrack_source_${subcommand}"
        ;;
    *)
        # Offer subcommand completions
        COMPREPLY+=($(compgen -W 'add list remove' -- "${cur}"))
        ;;
    esac
}

_enertrack_source_add() {
    repeating_flags=()
    non_repeating_flags=(--no-discovery --json --version -h --help)
    repeating_options=(--map)
    non_repeating_options=(--config --data-dir --log-level --filter --decoder --discovery-prefix)
    __enertrack_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--config')
        return
        ;;
    '--data-dir')
        return
        ;;
    '--log-level')
        return
        ;;
    '--filter')
        return
        ;;
    '--decoder')
        __enertrack_add_completions -W 'enertrack'$'\n''tasmota'$'\n''shelly-gen1'$'\n''shelly-gen2'$'\n''esphome'
        return
        ;;
    '--map')
        return
        ;;
    '--discovery-prefix')
        return
        ;;
    esac
}

_enertrack_source_list() {
    repeating_flags=()
    non_repeating_flags=(--json --version -h --help)
    repeating_options=()
    non_repeating_options=(--config --data-dir --log-level)
    __enertrack_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--config')
        return
        ;;
    '--data-dir')
        return
        ;;
    '--log-level')
        return
        ;;
    esac
}

_enertrack_source_remove() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=(--config --data-dir --log-level)
    __enertrack_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--config')
        return
        ;;
    '--data-dir')
        return
        ;;
    '--log-level')
        return
        ;;
    esac
}

_enertrack_readings() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=()
    __enertrack_offer_flags_options 0

    # Offer subcommand / subcommand argument completions
    local -r subcommand="${unparsed_words[0]}"
    unset 'unparsed_words[0]'
    unparsed_words=("${unparsed_words[@]}")
    case "${subcommand}" in
    delete|correct|history)
        # Offer subcommand argument completions
        "_enertrack_readings_${subcommand}"
        ;;
    *)
        # Offer subcommand completions
        COMPREPLY+=($(compgen -W 'delete correct history' -- "${cur}"))
        ;;
    esac
}

_enertrack_readings_delete() {
    repeating_flags=()
    non_repeating_flags=(--dry-run --quiet --json --version -h --help)
    repeating_options=()
    non_repeating_options=(--config --data-dir --log-level --from --to --reason)
    __enertrack_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--config')
        return
        ;;
    '--data-dir')
        return
        ;;
    '--log-level')
        return
        ;;
    '--from')
        return
        ;;
    '--to')
        return
        ;;
    '--reason')
        return
        ;;
    esac
}

_enertrack_readings_correct() {
    repeating_flags=()
    non_repeating_flags=(--dry-run --quiet --json --version -h --help)
    repeating_options=()
    non_repeating_options=(--config --data-dir --log-level --from --to --reason --energy-offset --scale --set)
    __enertrack_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--config')
        return
        ;;
    '--data-dir')
        return
        ;;
    '--log-level')
        return
        ;;
    '--from')
        return
        ;;
    '--to')
        return
        ;;
    '--reason')
        return
        ;;
    '--energy-offset')
        return
        ;;
    '--scale')
        return
        ;;
    '--set')
        return
        ;;
    esac
}

_enertrack_readings_history() {
    repeating_flags=()
    non_repeating_flags=(--json --version -h --help)
    repeating_options=()
    non_repeating_options=(--config --data-dir --log-level --limit)
    __enertrack_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--config')
        return
        ;;
    '--data-dir')
        return
        ;;
    '--log-level')
        return
        ;;
    '--limit')
        return
        ;;
    esac
}

_enertrack_demo() {
    repeating_flags=()
    non_repeating_flags=(--setup-only --quiet --version -h --help)
    repeating_options=()
    non_repeating_options=(--dir --port --listen --days)
    __enertrack_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--dir')
        return
        ;;
    '--port')
        return
        ;;
    '--listen')
        return
        ;;
    '--days')
        return
        ;;
    esac
}

_enertrack_help() {
    repeating_flags=()
    non_repeating_flags=(--version)
    repeating_options=()
    non_repeating_options=()
    __enertrack_offer_flags_options -1
}

complete -o filenames -F _enertrack enertrack
