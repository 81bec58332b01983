" Headless checks of syntax/squall.vim: every examples/*.rule loads without a Vim error, and
" sample positions get the expected syntax groups. Run by editors/test.sh:
"   vim -Nu NONE -es -S vim/test/syntax_test.vim -c 'qa!' -- ROOT
" Writes "vim: N passed, M failed" to the file in $SQUALL_VIM_RESULT.
set nocompatible
let s:root = fnamemodify(expand('<sfile>:p:h'), ':h:h:h')
let &runtimepath = s:root . '/editors/vim,' . &runtimepath
filetype plugin indent on
syntax on
let s:passed = 0
let s:failed = 0
let s:log = []

function! s:Check(text, line, col, group) abort
  " Each check gets a new line: without redraws (-es mode) Vim keeps the syntax state it
  " computed for a line even after the line's text changes.
  call append(line('$'), a:text)
  let got = synIDattr(synID(line('$'), a:col, 1), 'name')
  if got ==# a:group
    let s:passed += 1
  else
    let s:failed += 1
    call add(s:log, printf('FAIL %s @%d: expected %s, got %s (buffer: %s)', a:text, a:col, a:group, got, getline('$')))
  endif
endfunction

" Example files: load, no error messages.
for f in sort(glob(s:root . '/examples/*.rule', 0, 1))
  let v:errmsg = ''
  execute 'silent! edit ' . fnameescape(f)
  if &filetype !=# 'squall' || v:errmsg !=# ''
    let s:failed += 1
    call add(s:log, 'FAIL ' . f . ': filetype=' . &filetype . ' ' . v:errmsg)
  else
    let s:passed += 1
  endif
endfor

enew
set filetype=squall
call s:Check('rule clean_var_log {', 1, 1, 'squallDeclaration')
call s:Check('rule clean_var_log {', 1, 6, 'squallDeclName')
call s:Check('  if disk.low where event.mount == "/var/log"', 1, 3, 'squallConditional')
call s:Check('  if disk.low where event.mount == "/var/log"', 1, 15, 'squallTriggerKw')
call s:Check('  if disk.low where event.mount == "/var/log"', 1, 21, 'squallLanguageVar')
call s:Check('  if disk.low where event.mount == "/var/log"', 1, 27, 'squallMember')
call s:Check('  if disk.low where event.mount == "/var/log"', 1, 33, 'squallOperator')
call s:Check('  if disk.low where event.mount == "/var/log"', 1, 38, 'squallString')
call s:Check('    retry 3 times every 10s backoff 2x up to 2m', 1, 5, 'squallPolicy')
call s:Check('    retry 3 times every 10s backoff 2x up to 2m', 1, 11, 'squallNumber')
call s:Check('    retry 3 times every 10s backoff 2x up to 2m', 1, 13, 'squallSoftKeyword')
call s:Check('    retry 3 times every 10s backoff 2x up to 2m', 1, 25, 'squallDuration')
call s:Check('    retry 3 times every 10s backoff 2x up to 2m', 1, 37, 'squallFactor')
call s:Check('x(timeout: 10, to: "a", first: 1.5)', 1, 3, 'squallKeyName')
call s:Check('x(timeout: 10, to: "a", first: 1.5)', 1, 16, 'squallKeyName')
call s:Check('x(timeout: 10, to: "a", first: 1.5)', 1, 25, 'squallKeyName')
call s:Check('x(timeout: 10, to: "a", first: 1.5)', 1, 32, 'squallFloat')
call s:Check('let t = event.timeout + a.if', 1, 15, 'squallMember')
call s:Check('let t = event.timeout + a.if', 1, 27, 'squallMember')
call s:Check('m: "on {{event.host}} \u{1F6A8} \q"', 1, 8, 'squallInterpDelim')
call s:Check('m: "on {{event.host}} \u{1F6A8} \q"', 1, 10, 'squallLanguageVar')
call s:Check('m: "on {{event.host}} \u{1F6A8} \q"', 1, 23, 'squallEscape')
call s:Check('m: "on {{event.host}} \u{1F6A8} \q"', 1, 34, 'squallBadEscape')
call s:Check('a matches r"^(root|admin)$" # c', 1, 3, 'squallOperatorWord')
call s:Check('a matches r"^(root|admin)$" # c', 1, 11, 'squallRawString')
call s:Check('a matches r"^(root|admin)$" # c', 1, 30, 'squallComment')
call s:Check('@disabled', 1, 1, 'squallAnnotation')
call s:Check('const x = true ?? null', 1, 11, 'squallBoolean')
call s:Check('const x = true ?? null', 1, 19, 'squallNull')
call s:Check('const x = 5min + `x-y`', 1, 11, 'squallBadUnit')
call s:Check('const x = 5min + `x-y`', 1, 18, 'squallQuotedName')
call s:Check('  labels: map<string>', 1, 11, 'squallType')
call s:Check('y = now() + len(x)', 1, 5, 'squallBuiltin')
call s:Check('y = core.local(x)', 1, 10, 'squallMember')
call s:Check('trigger prom.alert {', 1, 9, 'squallDeclName')
call s:Check('test "a" {', 1, 1, 'squallDeclaration')
call s:Check('  expect nothing after 1m', 1, 3, 'squallTestKw')
call s:Check('  expect nothing after 1m', 1, 10, 'squallSoftKeyword')

" Triple-quoted strings span lines.
let s:l = line('$')
call append(s:l, ['const b = """', 'rule if {{x}}', '"""', 'rule a {'])
if synIDattr(synID(s:l + 2, 1, 1), 'name') ==# 'squallTripleString' && synIDattr(synID(s:l + 4, 1, 1), 'name') ==# 'squallDeclaration'
  let s:passed += 1
else
  let s:failed += 1
  call add(s:log, 'FAIL triple-quoted string')
endif

" ftplugin settings.
if &l:commentstring ==# '# %s' && &l:shiftwidth == 2 && &l:expandtab
  let s:passed += 1
else
  let s:failed += 1
  call add(s:log, 'FAIL ftplugin settings: cms=' . &l:commentstring . ' sw=' . &l:shiftwidth)
endif
" Indentation: after `{`, and a closing brace dedents.
%delete _
call setline(1, ['rule a {', 'if x', '}'])
normal! gg=G
if getline(2) ==# '  if x' && getline(3) ==# '}'
  let s:passed += 1
else
  let s:failed += 1
  call add(s:log, 'FAIL indent: ' . string(getline(1, '$')))
endif

call add(s:log, printf('vim: %d passed, %d failed', s:passed, s:failed))
call writefile(s:log, $SQUALL_VIM_RESULT)
qa!
