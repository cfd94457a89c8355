-- Real Neovim against the real `intact lsp`, through Neovim's own LSP client, set up as
-- editors/neovim/README.md says (form 1: the module on the runtime path, `setup({ cmd = … })`).
--
--   nvim --headless --clean -l tests/editors/neovim/lsp.lua INTACT_BIN REPO PROJECT
--
-- PROJECT is a copy of examples/scim-provisioning (the script edits it). Checks diagnostics after an
-- edit, a quick fix applied, completion inside `${…}`, go to definition across files, semantic
-- tokens inside `${…}`, rename across files, `:IntactTest` on the test under the cursor,
-- `:IntactCheck`, and what accepting a completion inserts (after `prop=`, inside quotes, a
-- skeleton snippet). Prints `ok: …` per check and exits 1 at the first failure, saying what was seen.

local bin, repo, project = arg[1], arg[2], arg[3]
assert(bin and repo and project, 'usage: nvim --headless --clean -l lsp.lua INTACT_BIN REPO PROJECT')

local function fail(what, seen)
  io.stderr:write(('FAILED: %s\n%s\n'):format(what, vim.inspect(seen)))
  os.exit(1)
end

local function ok(what)
  io.stdout:write(('ok: %s\n'):format(what))
end

if vim.fn.has('nvim-0.10') ~= 1 then
  fail('Neovim 0.10+ is needed', vim.version())
end

vim.opt.runtimepath:append(repo .. '/editors/neovim')
require('intact').setup({ cmd = { bin, 'lsp' } })

local users = project .. '/actions/users.kdl'
vim.cmd.edit(vim.fn.fnameescape(users))
local buf = vim.api.nvim_get_current_buf()

if not vim.wait(20000, function()
  return #vim.lsp.get_clients({ bufnr = buf, name = 'intact' }) > 0
end, 50) then
  fail('the intact client attaches to actions/users.kdl', vim.lsp.get_clients())
end
local client = vim.lsp.get_clients({ bufnr = buf, name = 'intact' })[1]
if client.config.root_dir ~= vim.fs.normalize(project) then
  fail('the project folder is the root', client.config.root_dir)
end
ok('the client attaches with the project as its root')

--- The (0-based) line and column just after the first `needle` at or after line `from`.
local function find(needle, from)
  local lines = vim.api.nvim_buf_get_lines(buf, 0, -1, false)
  for i = (from or 1), #lines do
    local s, e = lines[i]:find(needle, 1, true)
    if s then
      return i - 1, e, s - 1
    end
  end
  fail('the example holds ' .. needle, nil)
end

local function request(method, params)
  local answers = vim.lsp.buf_request_sync(buf, method, params, 10000)
  local _, answer = next(answers or {})
  if not answer or answer.err then
    fail(method .. ' answers', answers)
  end
  return answer.result
end

local function position_params(line, col)
  return {
    textDocument = vim.lsp.util.make_text_document_params(buf),
    position = { line = line, character = col },
  }
end

-- 1. Diagnostics after an edit: a contract id one letter off is reported, with a fix.
local line, _, start = find('contract="get-user"')
local id_start = start + #'contract="'
vim.api.nvim_buf_set_text(buf, line, id_start, line, id_start + #'get-user', { 'get-usre' })
--- The contract diagnostic on the edited line, or nil.
local function contract_diagnostic()
  for _, d in ipairs(vim.diagnostic.get(buf)) do
    if d.lnum == line and tostring(d.code or ''):find('contract') then
      return d
    end
  end
  return nil
end
local found
if not vim.wait(20000, function()
  found = contract_diagnostic()
  return found ~= nil
end, 50) then
  fail('a diagnostic for the unknown contract id after the edit', vim.diagnostic.get(buf))
end
ok('diagnostics after an edit: ' .. found.code .. ': ' .. found.message)

-- 2. A quick fix applied: the did-you-mean puts `get-user` back.
local lsp_diagnostic = found.user_data and found.user_data.lsp
local actions = request('textDocument/codeAction', {
  textDocument = vim.lsp.util.make_text_document_params(buf),
  range = lsp_diagnostic.range,
  context = { diagnostics = { lsp_diagnostic }, only = { 'quickfix' } },
})
local fix
for _, a in ipairs(actions or {}) do
  if a.edit and (a.title or ''):find('get%-user') then
    fix = a
    break
  end
end
if not fix then
  fail('a quick fix that replaces the id with get-user', actions)
end
vim.lsp.util.apply_workspace_edit(fix.edit, client.offset_encoding)
local fixed = vim.api.nvim_buf_get_lines(buf, line, line + 1, false)[1]
if not fixed:find('contract="get-user"', 1, true) then
  fail('the quick fix restores contract="get-user"', fixed)
end
if not vim.wait(20000, function()
  return contract_diagnostic() == nil
end, 50) then
  fail('the diagnostic goes away after the fix', vim.diagnostic.get(buf))
end
ok('quick fix applied: ' .. fix.title)

-- 3. Completion inside `${…}`: after `${input.` in get_user, the contract's input fields.
local l, e = find('${input.', line + 1)
local items = request('textDocument/completion', position_params(l, e))
items = items.items or items
local labels = {}
for _, it in ipairs(items) do
  labels[#labels + 1] = it.label
end
if not vim.tbl_contains(labels, 'userId') then
  fail('completion after `${input.` offers userId', labels)
end
ok('completion inside ${…}: ' .. table.concat(labels, ', '))

-- 4. Go to definition across files: `scim_user(` is the mapping in mappings.kdl.
local ml, me = find('scim_user(')
local target = request('textDocument/definition', position_params(ml, me - 3))
target = target[1] or target
local uri = target.uri or target.targetUri
if not uri or not vim.uri_to_fname(uri):find('mappings%.kdl$') then
  fail('the definition of scim_user is in mappings.kdl', target)
end
ok('definition across files: ' .. vim.fn.fnamemodify(vim.uri_to_fname(uri), ':t'))

-- 5. Semantic highlighting: Neovim colours the mapping call inside `${…}` from the server's tokens.
local tokens
if not vim.wait(20000, function()
  tokens = vim.lsp.semantic_tokens.get_at_pos(buf, ml, me - 3)
  return tokens ~= nil and #tokens > 0
end, 50) then
  fail('a semantic token on scim_user inside ${…}', tokens)
end
ok('semantic tokens inside ${…}: scim_user is ' .. tokens[1].type)

-- 6. Rename across files: the flow page_window, called here and defined in flows/pagination.kdl.
local pl, pe = find('"page_window"')
local edit = request('textDocument/rename', vim.tbl_extend('force', position_params(pl, pe - 3), {
  newName = 'page_of_users',
}))
vim.lsp.util.apply_workspace_edit(edit, client.offset_encoding)
local called = vim.api.nvim_buf_get_lines(buf, pl, pl + 1, false)[1]
local flows = vim.fn.bufnr(project .. '/flows/pagination.kdl')
local defined = flows > 0 and table.concat(vim.api.nvim_buf_get_lines(flows, 0, -1, false), '\n') or ''
if not called:find('"page_of_users"', 1, true) or not defined:find('flow "page_of_users"', 1, true) then
  fail('the rename edits the call here and the flow in flows/pagination.kdl', { called, defined })
end
ok('rename across files: page_window -> page_of_users')

-- 7. Run the test under the cursor (`:IntactTest`): the server's lens for the test around the
-- cursor gives its name; `intact test --filter NAME --exact` runs in a terminal and only that test.
vim.cmd.edit(vim.fn.fnameescape(project .. '/tests/pagination.kdl'))
local tests_buf = vim.api.nvim_get_current_buf()
if not vim.wait(20000, function()
  return #vim.lsp.get_clients({ bufnr = tests_buf, name = 'intact' }) > 0
end, 50) then
  fail('the intact client attaches to tests/pagination.kdl', nil)
end
local lenses
if not vim.wait(20000, function()
  lenses = vim.lsp.codelens.get(tests_buf)
  return #lenses >= 5
end, 50) then
  fail('setup() shows a "Run test" lens above each of the five tests', lenses)
end
local header
for i, text in ipairs(vim.api.nvim_buf_get_lines(tests_buf, 0, -1, false)) do
  if text:find('test "next_cursor_in_the_middle"', 1, true) then
    header = i
  end
end
--- Runs the Ex command `command`, which opens a terminal, and returns the terminal's text once it
--- matches `pattern` (a Lua pattern).
local function terminal_output(command, pattern)
  vim.cmd(command)
  local term = vim.api.nvim_get_current_buf()
  local output = ''
  if not vim.wait(60000, function()
    output = table.concat(vim.api.nvim_buf_get_lines(term, 0, -1, false), '\n')
    return output:find(pattern) ~= nil
  end, 100) then
    fail((':%s runs intact in a terminal'):format(command), output)
  end
  return output
end

vim.api.nvim_win_set_cursor(0, { header + 2, 4 })
local output = terminal_output('IntactTest', 'passed, %d+ failed')
if not output:find('ok%s+next_cursor_in_the_middle') or not output:find('1 passed, 0 failed', 1, true) then
  fail(':IntactTest runs next_cursor_in_the_middle and no other test', output)
end
ok(('%d lenses; :IntactTest ran next_cursor_in_the_middle: 1 passed, 0 failed'):format(#lenses))

-- 8. `:IntactCheck`: `intact check` on the project, in a terminal (the files on disk are clean).
vim.cmd.wincmd('p')
output = terminal_output('IntactCheck', '%d+ error%(s%)')
if not output:find('0 error(s), 0 warning(s)', 1, true) then
  fail(':IntactCheck reports the clean project', output)
end
ok(':IntactCheck: ' .. output:match('%d+ error%(s%)[^\n]*'))

-- 9. What Neovim inserts when the first item is accepted (issue 26.3-26.5). Neovim's own
-- conversion (`vim.lsp.completion._convert_results`, the code behind `vim.lsp.completion` and the
-- omnifunc) chooses the word and the column it replaces from; Vim's `complete()` then puts the word
-- in place of the typed prefix, leaving the text right of the cursor, and on CompleteDone a snippet
-- replaces the word and expands. Driving the popup itself needs a typing user; this is every step
-- after the keystroke, with Neovim's code.
vim.cmd.edit(vim.fn.fnameescape(project .. '/flows/typing.kdl'))
local typing = vim.api.nvim_get_current_buf()
vim.api.nvim_buf_set_lines(typing, 0, -1, false, {
  'flow "typing" {',
  '    input "x" type="integer" required=',
  '    request "r" "DE" "/users"',
  '    return "${input.x}"',
  '}',
  '',
})
if not vim.wait(20000, function()
  return #vim.lsp.get_clients({ bufnr = typing, name = 'intact' }) > 0
end, 50) then
  fail('the intact client attaches to flows/typing.kdl', nil)
end

--- Accepts the first completion item (or the first whose label starts with `label`) at (0-based)
--- `l`, byte column `col` of the typing buffer as Neovim does, and returns the buffer's lines after
--- it and the item.
local function accept_first(l, col, label)
  local line = vim.api.nvim_buf_get_lines(typing, l, l + 1, false)[1]
  local answers = vim.lsp.buf_request_sync(typing, 'textDocument/completion', {
    textDocument = vim.lsp.util.make_text_document_params(typing),
    position = { line = l, character = col },
  }, 10000)
  local _, answer = next(answers or {})
  if not answer or answer.err or not answer.result then
    fail('completion answers at ' .. l .. ':' .. col, answers)
  end
  local boundary = vim.fn.match(line:sub(1, col), '\\k*$')
  local matches, server_start = vim.lsp.completion._convert_results(
    line, l, col, client.id, boundary, nil, answer.result, client.offset_encoding
  )
  local first
  for _, m in ipairs(matches) do
    if not label or m.abbr:sub(1, #label) == label then
      first = m
      break
    end
  end
  if not first then
    fail('an item to accept at ' .. l .. ':' .. col, answer.result)
  end
  local from = server_start or boundary
  vim.api.nvim_buf_set_text(typing, l, from, l, col, { first.word })
  local item = first.user_data.nvim.lsp.completion_item
  if item.insertTextFormat == 2 then
    vim.api.nvim_buf_set_text(typing, l, from, l, from + #first.word, { '' })
    vim.api.nvim_win_set_cursor(0, { l + 1, from })
    vim.snippet.expand(item.textEdit and item.textEdit.newText or item.insertText)
    vim.snippet.stop()
    vim.cmd.stopinsert()
  end
  return vim.api.nvim_buf_get_lines(typing, 0, -1, false), item
end

-- 26.3: after `required=` the values, not a property name (`required=default=`).
local after = accept_first(1, #'    input "x" type="integer" required=')
if not after[2]:match('required=#%a+$') then
  fail('accepting after `required=` writes #true or #false', after[2])
end
ok('after required= Neovim inserts: ' .. vim.trim(after[2]))

-- 26.5: inside quotes the method once, with one closing quote (not `"DELETE""`).
after = accept_first(2, #'    request "r" "DE')
if after[3] ~= '    request "r" "DELETE" "/users"' then
  fail('accepting inside the quotes writes "DELETE" with one closing quote', after[3])
end
ok('inside quotes Neovim inserts: ' .. vim.trim(after[3]))

-- 26.4: an action skeleton, chosen from the menu, arrives whole (a snippet Neovim expands), not
-- the word `action`.
local last = #after - 1
local item
after, item = accept_first(last, 0, 'action for ')
local text = table.concat(after, '\n', last + 1)
if not item.label:find('^action for ') or not text:find('action "[%w_]+" contract="[%w-]+" {')
  or not text:find('return', 1, true) or not vim.trim(text):find('}$') then
  fail('accepting an action skeleton writes a whole action', { item = item.label, text = text })
end
ok(('accepting "%s" inserts %d lines'):format(item.label, #after - last))

vim.lsp.stop_client(client.id, true)
os.exit(0)
