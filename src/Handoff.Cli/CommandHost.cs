using System.CommandLine;
using System.Data.Common;
using Handoff.Data;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Handoff.Cli;

/// <summary>The options every command takes: which database. They win over appsettings.json and environment variables.</summary>
internal sealed class GlobalOptions
{
    public Option<DatabaseProvider?> Provider { get; } = new("--provider")
    {
        Description = "Database engine: Sqlite or Postgres [config: Handoff:Database:Provider, default Sqlite]",
        HelpName = "Sqlite|Postgres",
        Recursive = true,
        CustomParser = r => Values.ParseOne<DatabaseProvider>(r, "provider"),
    };

    public Option<string?> Connection { get; } = new("--connection")
    {
        Description = "Connection string [config: ConnectionStrings:Handoff; for SQLite default <data-dir>/handoff.db]",
        HelpName = "string",
        Recursive = true,
    };

    public Option<string?> DataDirectory { get; } = new("--data-dir")
    {
        Description = "Directory of the SQLite file when no connection string is set [config: Handoff:DataDirectory, default ./data]",
        HelpName = "path",
        Recursive = true,
    };

    /// <summary>The options given on the command line as configuration keys.</summary>
    public Dictionary<string, string?> ToConfiguration(ParseResult parse)
    {
        var values = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        if (parse.GetValue(Provider) is { } provider)
        {
            values["Handoff:Database:Provider"] = provider.ToString();
        }

        if (parse.GetValue(Connection) is { } connection)
        {
            values[$"ConnectionStrings:{DatabaseSetup.ConnectionStringName}"] = connection;
        }

        if (parse.GetValue(DataDirectory) is { } directory)
        {
            values["Handoff:DataDirectory"] = directory;
        }

        return values;
    }
}

/// <summary>What a command runs with: the services of one scope and its database.</summary>
internal sealed record CommandContext(IServiceProvider Services, HandoffDb Db, HandoffOptions Options, string DatabaseName, Terminal Terminal)
{
    public TimeProvider Clock => Services.GetRequiredService<TimeProvider>();

    public T Get<T>()
        where T : notnull => Services.GetRequiredService<T>();
}

/// <summary>
/// Builds the services for one command from configuration (appsettings.json beside the binary, environment
/// variables, global options) and turns the failures a user can cause (bad settings, unreachable or unmigrated
/// database) into one red line and exit code 1 instead of a stack trace.
/// </summary>
internal sealed class CommandHost(Terminal terminal, GlobalOptions global)
{
    public Terminal Terminal => terminal;

    public async Task<int> RunAsync(ParseResult parse, bool requireMigrated, Func<CommandContext, CancellationToken, Task<int>> command, CancellationToken ct)
    {
        IHost host;
        string databaseName;
        try
        {
            (host, databaseName) = Build(global.ToConfiguration(parse));
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException or IOException or UnauthorizedAccessException)
        {
            // Only configuration is read while building, so these come from settings the user gave.
            return terminal.Fail($"Configuration: {Describe(e)}");
        }

        using (host)
        {
            try
            {
                await using var scope = host.Services.CreateAsyncScope();
                var db = scope.ServiceProvider.GetRequiredService<HandoffDb>();
                var options = scope.ServiceProvider.GetRequiredService<IOptions<HandoffOptions>>().Value;
                if (requireMigrated && await MissingMigrationsAsync(db, ct) is { } missing)
                {
                    terminal.Error($"The {databaseName} {missing}.");
                    terminal.Hint("Run 'handoff migrate' first (with the same database options).");
                    return ExitCodes.Failure;
                }

                return await command(new CommandContext(scope.ServiceProvider, db, options, databaseName, terminal), ct);
            }
            catch (DbException e)
            {
                return terminal.Fail($"Could not use the {databaseName}: {Describe(e)}");
            }
            catch (DbUpdateException e) when (e.InnerException is DbException inner)
            {
                return terminal.Fail($"Could not write to the {databaseName}: {Describe(inner)}");
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                terminal.Warning("Cancelled.");
                return ExitCodes.Cancelled;
            }
        }
    }

    private static (IHost Host, string DatabaseName) Build(Dictionary<string, string?> overrides)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings { ContentRootPath = AppContext.BaseDirectory });
        builder.Configuration
            .AddJsonFile(Path.Combine(AppContext.BaseDirectory, "appsettings.json"), optional: true)
            .AddEnvironmentVariables()
            .AddInMemoryCollection(overrides);

        // Warnings and errors only, and on standard error so that they never mix into JSON output. EF Core's
        // database errors are left out: the failure reaches RunAsync as an exception and is printed there once.
        builder.Logging
            .AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace)
            .SetMinimumLevel(LogLevel.Warning)
            .AddFilter("Microsoft.EntityFrameworkCore.Database", LogLevel.None)
            .AddConfiguration(builder.Configuration.GetSection("Logging")); // e.g. Logging__LogLevel__Handoff.Import=Information: an import's phase timings

        var options = builder.Configuration.GetSection(HandoffOptions.Section).Get<HandoffOptions>() ?? new HandoffOptions();
        var connectionString = DatabaseSetup.ResolveConnectionString(
            options, builder.Configuration.GetConnectionString(DatabaseSetup.ConnectionStringName));
        var databaseName = DescribeDatabase(options.Database.Provider, connectionString);

        builder.Services.AddHandoffCore(builder.Configuration);
        return (builder.Build(), databaseName);
    }

    /// <summary>Names the database for messages (never with its password); throws ArgumentException for a malformed connection string.</summary>
    private static string DescribeDatabase(DatabaseProvider provider, string connectionString)
    {
        if (provider == DatabaseProvider.Postgres)
        {
            var postgres = new NpgsqlConnectionStringBuilder(connectionString);
            return $"PostgreSQL database '{postgres.Database}' on {postgres.Host}:{postgres.Port}";
        }

        var sqlite = new SqliteConnectionStringBuilder(connectionString);
        return $"SQLite database {Path.GetFullPath(sqlite.DataSource)}";
    }

    /// <summary>Why the database is not ready for use, or null when it is fully migrated.</summary>
    private static async Task<string?> MissingMigrationsAsync(HandoffDb db, CancellationToken ct)
    {
        // Opening a missing SQLite file would create an empty one; say so instead of leaving that behind.
        if (db.Database.GetDbConnection() is SqliteConnection { DataSource: { Length: > 0 } file }
            && file != ":memory:" && !File.Exists(file))
        {
            return "does not exist yet";
        }

        var pending = (await db.Database.GetPendingMigrationsAsync(ct)).Count();
        if (pending == 0)
        {
            return null;
        }

        var applied = (await db.Database.GetAppliedMigrationsAsync(ct)).Count();
        return applied == 0 ? "has no Handoff tables yet" : $"is missing {pending} migration(s)";
    }

    private static string Describe(Exception e) =>
        e.InnerException is { } inner && !e.Message.Contains(inner.Message, StringComparison.Ordinal)
            ? $"{e.Message} ({inner.Message})"
            : e.Message;
}
