namespace Handoff.Data;

/// <summary>Which database engine holds the data.</summary>
public enum DatabaseProvider
{
    Sqlite,
    Postgres,
}

/// <summary>The <c>Handoff</c> configuration section.</summary>
public sealed class HandoffOptions
{
    public const string Section = "Handoff";

    /// <summary>Where the SQLite file (and other local state) lives. Default: <c>./data</c>.</summary>
    public string DataDirectory { get; set; } = "data";

    public DatabaseOptions Database { get; set; } = new();

    /// <summary>When set and no admin key exists yet, this key becomes an admin key.</summary>
    public string? BootstrapApiKey { get; set; }

    /// <summary>Fill an empty database with the demo workspace at start-up.</summary>
    public bool SeedDemo { get; set; }

    public FormOptions Forms { get; set; } = new();
}

/// <summary>Limits on public form posts (per client address and per form, per minute).</summary>
public sealed class FormOptions
{
    public int PostsPerMinutePerAddress { get; set; } = 10;
    public int PostsPerMinutePerForm { get; set; } = 600;
}

public sealed class DatabaseOptions
{
    public DatabaseProvider Provider { get; set; } = DatabaseProvider.Sqlite;

    /// <summary>SQLite: the write-ahead log starts over from its beginning each time it holds this many MiB (default 64).</summary>
    public int WalRestartMiB { get; set; } = 64;
}
