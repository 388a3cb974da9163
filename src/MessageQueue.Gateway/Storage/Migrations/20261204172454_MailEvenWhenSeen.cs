using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace MessageQueue.Gateway.Storage.Migrations
{
    /// <inheritdoc />
    public partial class MailEvenWhenSeen : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<bool>(
                name: "MailEvenWhenSeen",
                table: "Subscriptions",
                type: "INTEGER",
                nullable: false,
                defaultValue: false);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "MailEvenWhenSeen",
                table: "Subscriptions");
        }
    }
}
