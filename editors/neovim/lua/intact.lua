-- intact.lua: start `intact lsp` for the files of an intact project (a folder with intact.kdl at its root).
-- Needs Neovim 0.10+ (vim.fs.root, vim.lsp.start). Usage: require('intact').setup({ cmd = { 'intact', 'lsp' } })

local M = {}

M.defaults = {
  -- the server command; use an absolute path if `intact` is not on PATH
  cmd = { 'intact', 'lsp' },
  -- also attach to <project>/env/*.toml (the server reports diagnostics for environment files)
  env_files = true,
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

--- Registers the .kdl filetype and the autocommands that start the server.
---@param opts table|nil  { cmd = {...}, env_files = bool, lsp = {...} }
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
  -- buffers that were already open when setup() ran
  for _, buf in ipairs(vim.api.nvim_list_bufs()) do
    if vim.api.nvim_buf_is_loaded(buf) and vim.tbl_contains(filetypes, vim.bo[buf].filetype) then
      M.start(buf)
    end
  end
end

return M
