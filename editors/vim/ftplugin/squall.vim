" Squall filetype settings: comments, indentation, matching pairs.
if exists('b:did_ftplugin')
  finish
endif
let b:did_ftplugin = 1

setlocal commentstring=#\ %s
setlocal comments=:#
setlocal formatoptions-=t formatoptions+=croql
" `squall fmt` indents with two spaces.
setlocal expandtab shiftwidth=2 softtabstop=2 tabstop=8
setlocal autoindent
" Names may be backquoted and contain dashes; keep `-` out of words for motions.
setlocal iskeyword=@,48-57,_
setlocal matchpairs+=<:>
setlocal suffixesadd=.rule
" Indent after an opening bracket, dedent a line that starts with a closing one.
setlocal indentexpr=SquallIndent()
setlocal indentkeys=0},0),0],!^F,o,O

if !exists('*SquallIndent')
  function SquallIndent() abort
    let prev = prevnonblank(v:lnum - 1)
    if prev == 0
      return 0
    endif
    let prev_line = substitute(getline(prev), '\s*#.*$', '', '')
    let ind = indent(prev)
    if prev_line =~# '[{(\[]\s*$'
      let ind += shiftwidth()
    endif
    if getline(v:lnum) =~# '^\s*[})\]]'
      let ind -= shiftwidth()
    endif
    return ind < 0 ? 0 : ind
  endfunction
endif

if executable('squall')
  " `gq` reformats through the canonical formatter.
  setlocal formatprg=squall\ fmt\ -
endif

let b:undo_ftplugin = 'setlocal commentstring< comments< formatoptions< expandtab< shiftwidth<'
      \ . ' softtabstop< tabstop< autoindent< iskeyword< matchpairs< suffixesadd<'
      \ . ' indentexpr< indentkeys< formatprg<'
