using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Handoff.Migrations.Postgres.Migrations
{
    /// <inheritdoc />
    public partial class ImportTouchType : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // An imported row's touch was recorded as a form submit; it is now a touch of its own kind (Import). The
            // import wrote every such touch with this subject, which no other writer uses.
            migrationBuilder.Sql("UPDATE activities SET type = 'Import' WHERE type = 'FormSubmit' AND subject = 'Captured via import';");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("UPDATE activities SET type = 'FormSubmit' WHERE type = 'Import' AND subject = 'Captured via import';");
        }
    }
}
