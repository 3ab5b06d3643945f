"""The playground: one prompt to several models at once, answers streamed side by side."""
