namespace Handoff.Data;

/// <summary>
/// A compiled query (<c>EF.CompileAsyncQuery</c>) per database provider. EF binds a compiled query to the provider
/// of the first context that runs it, and one process may hold both (the tests run SQLite and PostgreSQL apps side
/// by side), so each provider gets its own compiled copy.
/// </summary>
internal sealed class PerProvider<TQuery>(Func<TQuery> compile)
    where TQuery : Delegate
{
    private readonly TQuery _sqlite = compile();
    private readonly TQuery _postgres = compile();

    public TQuery For(HandoffDb db) => db.IsSqlite ? _sqlite : _postgres;
}
