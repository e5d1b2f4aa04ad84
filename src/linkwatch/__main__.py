from linkwatch.cli import app

app()
