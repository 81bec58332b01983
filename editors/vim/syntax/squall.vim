" Vim syntax file
" Language:   Squall (.rule files)
" Keywords:   kept equal to grammar/SquallLexer.g4 by editors/check_keywords.py
if exists('b:current_syntax')
  finish
endif

let s:cpo_save = &cpo
set cpo&vim

syn case match
syn iskeyword @,48-57,_

" ---- comments ----
syn keyword squallTodo contained TODO FIXME XXX NOTE
syn match   squallComment "#.*$" contains=squallTodo,@Spell

" ---- keywords (reserved) ----
syn keyword squallDeclaration rule workflow trigger test const let
syn keyword squallInclude     import as
syn keyword squallConditional if then else
syn keyword squallRepeat      for while break continue parallel yield
syn keyword squallException   try catch fail return with
syn keyword squallTriggerKw   where on webhook every cron
syn keyword squallPolicy      retry timeout concurrency throttle when
syn keyword squallStep        wait ask sleep
syn keyword squallTestKw      given expect
syn keyword squallOperatorWord and or not in like matches startswith endswith
" `contains` is also an argument of :syn keyword, so it needs a match.
syn match   squallOperatorWord "\<contains\>"
syn keyword squallBoolean     true false
syn keyword squallNull        null

" ---- soft keywords: keywords where they introduce a clause, names elsewhere ----
" A soft keyword followed by `:` (a parameter, field or argument name) or preceded by `.`
" (a member) is a name: squallKeyName and squallMember below take those positions.
syn keyword squallSoftKeyword after backoff by fails failure first followed nothing of per
syn keyword squallSoftKeyword returns success times to tz up within

" ---- names ----
" `name:` (argument, parameter, field, map key) and a word after `.` or `?.` are names, even
" keywords. Vim gives keywords priority over matches at the same position, so these names are
" reached through `nextgroup` from the character before them, which Vim tries first.
syn match   squallKeyLead     "[ \t(,{]\ze\s*\%(\h\w*\|`[^`]*`\)\s*:[^:]" nextgroup=squallKeyName skipwhite
syn match   squallKeyName     contained "\h\w*\|`[^`]*`"
syn match   squallDot         "?\=\." nextgroup=squallMember,squallQuotedName skipwhite
syn match   squallMember      contained "\h\w*"
syn match   squallQuotedName  "`[^`]*`"
syn keyword squallLanguageVar event result error
syn match   squallLanguageVar "\<_\>"
syn keyword squallType        string int float bool duration time json list map contained
syn match   squallTypeName    "\<\%(string\|int\|float\|bool\|duration\|time\|json\|list\|map\)\>\ze\s*\%([<>?,=)}\]{#]\|$\)" contains=squallType
syn match   squallFunction    "\<\h\w*\ze\s*("
syn keyword squallBuiltin     abs exists format_time from_json join keys kv len lower max min now
syn keyword squallBuiltin     parse_time raw replace seconds secret split to_json trim upper uuid
syn keyword squallBuiltin     values
syn match   squallDeclName    "\%(\<\%(rule\|workflow\)\s\+\)\@<=\h\w*"
syn match   squallDeclName    "\%(\<trigger\s\+\)\@<=\h\w*\%(\.\h\w*\)*"
syn match   squallAnnotation  "@\s*\h\w*"

" ---- literals ----
syn match   squallNumber      "\<\d\+\%(_\d\+\)*\>"
syn match   squallFloat       "\<\d\+\%(_\d\+\)*\%(\.\d\+\%(_\d\+\)*\%([eE][+-]\=\d\+\)\=\|[eE][+-]\=\d\+\)\>"
syn match   squallBadUnit     "\<\d\+\%(_\d\+\)*\%(\.\d\+\)\=\a\+\%(\d\+\a\+\)*\>"
syn match   squallDuration    "\<\d\+\%(_\d\+\)*\%(\.\d\+\%(_\d\+\)*\)\=\%(ms\|s\|m\|h\|d\)\%(\d\+\%(_\d\+\)*\%(ms\|s\|m\|h\|d\)\)*\>"
syn match   squallFactor      "\<\d\+\%(_\d\+\)*\%(\.\d\+\%(_\d\+\)*\)\=x\>"

syn match   squallEscape      contained "\\\%([ntr0\\\"{}]\|u{\x\{1,6}}\)"
syn match   squallBadEscape   contained "\\\%([^ntr0\\\"{}u]\|u\%({\x\{1,6}}\)\@!\)"
syn region  squallInterpolation contained matchgroup=squallInterpDelim start="{{" end="}}"
      \ contains=TOP,squallComment keepend
syn region  squallString      start=+"+ skip=+\\\\\|\\"+ end=+"\|$+
      \ contains=squallEscape,squallBadEscape,squallInterpolation,@Spell
syn region  squallTripleString start=+"""+ skip=+\\\\\|\\"+ end=+"""+
      \ contains=squallEscape,squallBadEscape,squallInterpolation,@Spell
syn match   squallRawString   +r"[^"]*"+

" ---- operators ----
syn match   squallOperator    "->\|==\|!=\|<=\|>=\|??\|[<>=+*/%-]\|?\%(\.\)\@!"
syn match   squallError       "[;!]"

syn sync fromstart

hi def link squallComment       Comment
hi def link squallTodo          Todo
hi def link squallDeclaration   Keyword
hi def link squallInclude       Include
hi def link squallConditional   Conditional
hi def link squallRepeat        Repeat
hi def link squallException     Exception
hi def link squallTriggerKw     Keyword
hi def link squallPolicy        Keyword
hi def link squallStep          Keyword
hi def link squallTestKw        Keyword
hi def link squallSoftKeyword   Keyword
hi def link squallOperatorWord  Operator
hi def link squallBoolean       Boolean
hi def link squallNull          Constant
hi def link squallKeyName       Identifier
hi def link squallMember        Normal
hi def link squallDot           Delimiter
hi def link squallKeyLead       Normal
hi def link squallQuotedName    Identifier
hi def link squallLanguageVar   Special
hi def link squallType          Type
hi def link squallFunction      Function
hi def link squallBuiltin       Function
hi def link squallDeclName      Function
hi def link squallAnnotation    PreProc
hi def link squallNumber        Number
hi def link squallFloat         Float
hi def link squallDuration      Number
hi def link squallFactor        Number
hi def link squallBadUnit       Error
hi def link squallString        String
hi def link squallTripleString  String
hi def link squallRawString     String
hi def link squallEscape        SpecialChar
hi def link squallBadEscape     Error
hi def link squallInterpDelim   Delimiter
hi def link squallOperator      Operator
hi def link squallError         Error

let b:current_syntax = 'squall'

let &cpo = s:cpo_save
unlet s:cpo_save
