using Handoff.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace Handoff.Migrations.Sqlite;

/// <summary>Lets <c>dotnet ef migrations add</c> build the model for SQLite without a host.</summary>
public sealed class DesignTimeFactory : IDesignTimeDbContextFactory<HandoffDb>
{
    public HandoffDb CreateDbContext(string[] args)
    {
        var builder = new DbContextOptionsBuilder<HandoffDb>();
        DatabaseSetup.Configure(builder, DatabaseProvider.Sqlite, "Data Source=design-time.db");
        return new HandoffDb(builder.Options);
    }
}
