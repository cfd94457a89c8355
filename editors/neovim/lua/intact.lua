-- intact.lua: start `intact lsp` for the files of an intact project (a folder with intact.kdl at its root).
-- Needs Neovim 0.10+ (vim.fs.root, vim.lsp.start). Usage: require('intact').setup({ cmd = { 'intact', 'lsp' } })

local M = {}

M.defaults = {
  -- the server command; use an absolute path if `intact` is not on PATH
  cmd = { 'intact', 'lsp' },
  -- also attach to <project>/env/*.toml (the server reports diagnostics for environment files)
  env_files = true,
  -- show the server's "Run test" lenses above each test (refreshed on enter, save and leaving insert)
  codelens = true,
  -- passed on to vim.lsp.start(): on_attach, capabilities, settings, ...
  lsp = {},
}

M.config = vim.deepcopy(M.defaults)

--- The project root of a buffer: the nearest folder above it that holds intact.kdl, or nil.
---@param bufnr integer
---@return string|nil
function M.root_dir(bufnr)
  return vim.fs.root(bufnr, 'intact.kdl')
end

local function is_env_file(path, root)
  return vim.fs.dirname(path) == vim.fs.joinpath(root, 'env') and path:match('%.toml$') ~= nil
end

--- Starts (or reuses) the intact client for one buffer. Does nothing outside an intact project.
---@param bufnr integer|nil
---@return integer|nil client id
function M.start(bufnr)
  bufnr = (bufnr == nil or bufnr == 0) and vim.api.nvim_get_current_buf() or bufnr
  if vim.bo[bufnr].buftype ~= '' then
    return nil
  end
  local root = M.root_dir(bufnr)
  if not root then
    return nil
  end
  if vim.bo[bufnr].filetype == 'toml' then
    local path = vim.fs.normalize(vim.api.nvim_buf_get_name(bufnr))
    if not (M.config.env_files and is_env_file(path, root)) then
      return nil
    end
  end
  local config = vim.tbl_deep_extend('force', {
    name = 'intact',
    cmd = M.config.cmd,
    root_dir = root,
  }, M.config.lsp)
  -- vim.lsp.start reuses a running client with the same name and root_dir
  return vim.lsp.start(config, { bufnr = bufnr })
end

--- The intact binary: the first word of the server command.
local function binary()
  return M.config.cmd[1]
end

--- Runs `intact ARGS` in a terminal split at the bottom, in the project's folder; returns the
--- terminal's buffer. Names are passed as they are (no shell).
---@param args string[]
---@param cwd string
---@return integer bufnr
function M.run(args, cwd)
  vim.cmd('botright 15split')
  local buf = vim.api.nvim_create_buf(false, true)
  vim.api.nvim_win_set_buf(0, buf)
  local cmd = vim.list_extend({ binary() }, args)
  if vim.fn.has('nvim-0.11') == 1 then
    vim.fn.jobstart(cmd, { term = true, cwd = cwd })
  else
    vim.fn.termopen(cmd, { cwd = cwd })
  end
  return buf
end

--- The command behind the server's "Run test" lenses (`vim.lsp.codelens.run()`): `{ name, project }`.
local function run_test_command(command)
  local arg = (command.arguments or {})[1] or {}
  if type(arg.name) ~= 'string' or type(arg.project) ~= 'string' then
    vim.notify('intact: Run test needs a test name and a project', vim.log.levels.ERROR)
    return nil
  end
  return M.run({ 'test', '--filter', arg.name, '--exact', arg.project }, arg.project)
end

--- Runs the test whose block holds the cursor (`:IntactTest`), found among the server's lenses
--- (each covers its whole test). Returns the terminal's buffer, or nil with a message.
---@return integer|nil
function M.run_test_at_cursor()
  local buf = vim.api.nvim_get_current_buf()
  local client = vim.lsp.get_clients({ bufnr = buf, name = 'intact' })[1]
  if not client then
    vim.notify('intact: no intact language server for this buffer', vim.log.levels.WARN)
    return nil
  end
  local params = { textDocument = vim.lsp.util.make_text_document_params(buf) }
  local answer
  if vim.fn.has('nvim-0.11') == 1 then
    answer = client:request_sync('textDocument/codeLens', params, 10000, buf)
  else
    answer = client.request_sync('textDocument/codeLens', params, 10000, buf)
  end
  if not answer or answer.err then
    vim.notify('intact: the server did not answer: ' .. vim.inspect(answer and answer.err), vim.log.levels.ERROR)
    return nil
  end
  local row = vim.api.nvim_win_get_cursor(0)[1] - 1
  for _, lens in ipairs(answer.result or {}) do
    local r = lens.range
    if lens.command and lens.command.command == 'intact.runTest' and r.start.line <= row and row <= r['end'].line then
      return run_test_command(lens.command)
    end
  end
  vim.notify('intact: the cursor is not inside a test block', vim.log.levels.INFO)
  return nil
end

--- Runs `intact check` on the project of the current buffer (`:IntactCheck`).
---@return integer|nil
function M.check_project()
  local root = M.root_dir(vim.api.nvim_get_current_buf()) or vim.fs.root(vim.fn.getcwd(), 'intact.kdl')
  if not root then
    vim.notify('intact: no intact project here (a folder with intact.kdl)', vim.log.levels.WARN)
    return nil
  end
  return M.run({ 'check', root }, root)
end

--- Registers the .kdl filetype and the autocommands that start the server.
---@param opts table|nil  { cmd = {...}, env_files = bool, codelens = bool, lsp = {...} }
function M.setup(opts)
  if vim.fn.has('nvim-0.10') ~= 1 then
    local v = vim.version()
    vim.notify(
      ('intact: Neovim 0.10 or newer is needed (this is %d.%d.%d); the language server is not started')
        :format(v.major, v.minor, v.patch),
      vim.log.levels.ERROR
    )
    return
  end
  M.config = vim.tbl_deep_extend('force', vim.deepcopy(M.defaults), opts or {})
  -- Neovim knows `kdl` already in recent versions; this makes sure.
  vim.filetype.add({ extension = { kdl = 'kdl' } })

  local filetypes = { 'kdl' }
  if M.config.env_files then
    table.insert(filetypes, 'toml')
  end
  local group = vim.api.nvim_create_augroup('intact_lsp', { clear = true })
  vim.api.nvim_create_autocmd('FileType', {
    group = group,
    pattern = filetypes,
    callback = function(args)
      M.start(args.buf)
    end,
  })
  vim.lsp.commands['intact.runTest'] = run_test_command
  vim.api.nvim_create_user_command('IntactTest', M.run_test_at_cursor, { desc = 'intact: run the test under the cursor' })
  vim.api.nvim_create_user_command('IntactCheck', M.check_project, { desc = 'intact: check the project' })
  if M.config.codelens then
    vim.api.nvim_create_autocmd('LspAttach', {
      group = group,
      callback = function(args)
        local client = vim.lsp.get_client_by_id(args.data.client_id)
        if not client or client.name ~= 'intact' then
          return
        end
        vim.lsp.codelens.refresh({ bufnr = args.buf })
        -- A client that attaches again (a restart) must not add a second set.
        vim.api.nvim_clear_autocmds({ group = group, buffer = args.buf, event = { 'BufEnter', 'InsertLeave', 'BufWritePost' } })
        vim.api.nvim_create_autocmd({ 'BufEnter', 'InsertLeave', 'BufWritePost' }, {
          group = group,
          buffer = args.buf,
          callback = function()
            vim.lsp.codelens.refresh({ bufnr = args.buf })
          end,
        })
      end,
    })
  end
  -- buffers that were already open when setup() ran
  for _, buf in ipairs(vim.api.nvim_list_bufs()) do
    if vim.api.nvim_buf_is_loaded(buf) and vim.tbl_contains(filetypes, vim.bo[buf].filetype) then
      M.start(buf)
    end
  end
end

return M
