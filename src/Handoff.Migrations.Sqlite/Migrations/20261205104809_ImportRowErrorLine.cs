using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Handoff.Migrations.Sqlite.Migrations
{
    /// <inheritdoc />
    public partial class ImportRowErrorLine : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<int>(
                name: "line",
                table: "import_row_errors",
                type: "INTEGER",
                nullable: false,
                defaultValue: 0);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "line",
                table: "import_row_errors");
        }
    }
}
